using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Graph;
using PiXGen.Zoo;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Tests;

/// <summary><see cref="GraphExecutor"/> against the modules the graphs describe.</summary>
public class GraphExecutorTests
{
    [Fact]
    public void Executor_matches_TinyNet()
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        GraphTestNets.RandomizeNorms(module, graph);
        GraphAssert.ExecutorMatchesModule(module, graph);
    }

    [Fact]
    public void Executor_matches_the_zoo_ResNet18()
    {
        using var module = new ResNet18();
        var graph = GraphTestNets.ResNet18Graph(64, 64);
        GraphTestNets.RandomizeNorms(module, graph);
        GraphAssert.ExecutorMatchesModule(module, graph);
    }

    [Fact]
    public void Executor_matches_the_zoo_PiXResNet50()
    {
        using var module = new PiXResNet50();
        var graph = GraphTestNets.PiXResNet50Graph(64, 64);
        GraphTestNets.RandomizeNorms(module, graph);
        GraphAssert.ExecutorMatchesModule(module, graph);
    }

    [Fact]
    public void Executor_runs_every_op_of_the_contract_like_TorchSharp_layers()
    {
        var (module, graph) = GraphTestNets.OpsNet();
        using var _ = module;
        GraphTestNets.RandomizeNorms(module, graph);
        var covered = graph.Nodes.Select(n => n.Op).ToHashSet();
        // The kinds of src/PiXGen.Definitions/DefinedKinds.cs are run by DefinedKindGraphTests, which checks it covers them all.
        Assert.Empty(GraphOps.All.Except(covered).Except(PiXGen.Definitions.DefinedKind.All.Keys));
        GraphAssert.ExecutorMatchesModule(module, graph, batch: 3);
    }

    [Fact]
    public void Missing_weight_is_one_error_naming_node_and_key()
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        var weights = new Dictionary<string, Tensor>(module.state_dict());
        weights.Remove("bn1.running_var");
        var ex = Assert.Throws<ArgumentException>(() => new GraphExecutor(graph, weights));
        Assert.Contains("node 'bn1' (BatchNorm2d, module 'bn1') needs 'bn1.running_var' of shape [16]", ex.Message);
    }

    [Fact]
    public void Misshapen_weight_is_one_error_naming_both_shapes()
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        var weights = new Dictionary<string, Tensor>(module.state_dict()) { ["fc.weight"] = zeros(10, 8) };
        var ex = Assert.Throws<ArgumentException>(() => new GraphExecutor(graph, weights));
        Assert.Contains("'fc.weight' has shape [10, 8]; the graph expects [10, 16]", ex.Message);
    }

    [Fact]
    public void Bad_graphs_are_rejected_with_the_node_named()
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        var sd = module.state_dict();
        var reversed = graph with { Nodes = graph.Nodes.Reverse().ToArray() };
        Assert.Contains("node 'fc' (Linear) reads 'flatten', which no earlier node produces",
                        Assert.Throws<ArgumentException>(() => new GraphExecutor(reversed, sd)).Message);
        var unknown = graph with { Nodes = graph.Nodes.Select(n => n.Output == "relu" ? n with { Op = "Swish" } : n).ToArray() };
        Assert.Contains("node 'relu' (Swish): unknown op 'Swish'", Assert.Throws<ArgumentException>(() => new GraphExecutor(unknown, sd)).Message);
        var noOutput = graph with { Output = "logits" };
        Assert.Contains("the output 'logits' is not produced", Assert.Throws<ArgumentException>(() => new GraphExecutor(noOutput, sd)).Message);
    }

    [Fact]
    public void Input_with_the_wrong_channels_is_rejected()
    {
        var (module, graph) = GraphTestNets.TinyNet();
        using var _ = module;
        var executor = new GraphExecutor(graph, module.state_dict());
        using var x = zeros(1, 4, 32, 32);
        Assert.Contains("expects input (N, 3, H, W)", Assert.Throws<ArgumentException>(() => executor.Run(x)).Message);
    }
}
