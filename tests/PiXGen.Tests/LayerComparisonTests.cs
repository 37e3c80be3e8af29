using System;
using System.Collections.Generic;
using System.Linq;
using PiXGen.Zoo;
using static PiXGen.Tests.ZooCliTests;

namespace PiXGen.Tests;

/// <summary><c>bench A --vs B --fuse --profile</c> (examples/PiXGen.Zoo/Commands/LayerComparison.cs): the two fused
/// networks' ONNX Runtime profiles compared node by node. No time is asserted, only where each node's time goes.</summary>
public class LayerComparisonTests
{
    [Fact]
    public void The_common_subsequence_marks_the_nodes_both_lists_have_in_order()
    {
        var (inA, inB) = LayerComparison.CommonSubsequence(new[] { "stem", "conv", "add", "head" }, new[] { "stem", "pix", "add", "head", "extra" });
        Assert.Equal(new[] { true, false, true, true }, inA);
        Assert.Equal(new[] { true, false, true, true, false }, inB);
        // Out of order, only one of the two can be kept.
        (inA, inB) = LayerComparison.CommonSubsequence(new[] { "a", "b" }, new[] { "b", "a" });
        Assert.Equal(1, inA.Count(x => x));
        Assert.Equal(1, inB.Count(x => x));
    }

    [Theory]
    [InlineData("layer1.0.relu", "layer1.0.relu")]
    [InlineData("layer1.0.relu/pad", "layer1.0.relu")]
    [InlineData("layer1.0.relu2_nchwc", "layer1.0.relu2")]   // the longest output that is a prefix
    [InlineData("layer1.0.relu_token_3", "layer1.0.relu")]
    [InlineData("ReorderInput_token_7", null)]
    [InlineData("layer1.0.relux", null)]                      // a prefix only at "/" or "_"
    [InlineData("layer1.0.pix/phi", "layer1.0.pix")]          // a node the exporter names after a module
    public void An_onnx_runtime_node_belongs_to_the_graph_value_its_name_starts_with(string node, string? owner)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "layer1.0.relu", "layer1.0.relu2", "x", "layer1.0.pix" };
        Assert.Equal(owner, EngineBench.FusedProfile.Owner(node, names.Contains));
    }

    [Fact]
    public void An_event_belongs_to_the_fused_node_whose_output_or_module_names_it()
    {
        // A PiX with a folded BatchNorm and a ReLU writes the ReLU's value ("pa"), while the exporter names its gate's
        // nodes after the module ("px/phi"); a convolution's node keeps its value's name with ONNX Runtime's suffix.
        var px = new PiXGen.Graph.GraphNode("pa", "PiX", new[] { "input" }, "px", Array.Empty<PiXGen.Graph.GraphAttribute>(), new long[] { 4, 2, 2 });
        var conv = new PiXGen.Graph.GraphNode("c1", "Conv2d", new[] { "pa" }, "conv", Array.Empty<PiXGen.Graph.GraphAttribute>(), new long[] { 4, 2, 2 });
        var graph = new PiXGen.Graph.NetworkGraph("Net", new long[] { 8, 2, 2 }, new[] { px, conv }, "c1");
        var profile = new EngineBench.FusedProfile("net", graph, Array.Empty<PiXGen.Engines.OnnxRuntimeEngine.NodeTime>(), 1, 1, false, 0);
        Assert.Same(px, profile.NodeOf("pa"));
        Assert.Same(px, profile.NodeOf("px/phi_double"));
        Assert.Same(conv, profile.NodeOf("c1_nchwc"));
        Assert.Same(conv, profile.NodeOf("conv/no_bias"));
        Assert.Null(profile.NodeOf("ReorderInput_token_3"));
    }

    [Theory]
    // PiX as PiXGen's operator where its library is present; PiX layers without a BatchNorm after them
    [InlineData("fmnist_pix_resnet", "fmnist_resnet", "fused")]
    // PiX as ONNX's standard operators: a dozen nodes per layer, which the exporter names after the PiX module
    [InlineData("resnet50_substituted_pix", "resnet50", "fused-standard-ops")]
    public void PiX_against_its_dense_network_shares_every_node_but_the_substituted_ones_and_accounts_for_all_the_time(string pixName, string denseName, string engine)
    {
        var a = ZooCatalog.Find(pixName)!;
        var b = ZooCatalog.Find(denseName)!;
        using var moduleA = a.Create();
        using var moduleB = b.Create();
        moduleA.eval();
        moduleB.eval();
        using var input = TorchSharp.torch.randn(new long[] { 2 }.Concat(a.InputShape).ToArray());
        var profiles = EngineBench.ProfileFused(new[] { (a.Name, moduleA, input), (b.Name, moduleB, input) }, threads: 1, warmup: 0, rounds: 2, engine);
        var rows = LayerComparison.Compare(profiles[0], profiles[1]);

        // The substituted layers, and nothing else, differ.
        var onlyA = rows.Where(r => r.Nodes == "only " + pixName).ToList();
        var onlyB = rows.Where(r => r.Nodes == "only " + denseName).ToList();
        var pix = Assert.Single(onlyA);
        Assert.Equal(("PiX", 0), (pix.Kind, pix.CountB));
        var dense = Assert.Single(onlyB);
        Assert.Equal(("Conv2d 1×1", pix.CountA, 0), (dense.Kind, dense.CountB, dense.CountA));
        Assert.Equal(profiles[0].Graph.Nodes.Count(n => n.Op == "PiX"), pix.CountA);
        // Shared rows count the same nodes on both sides, and every node of each graph is in one row.
        Assert.All(rows.Where(r => r.Nodes == "both"), r => Assert.Equal(r.CountA, r.CountB));
        Assert.Equal(profiles[0].Graph.Nodes.Count, rows.Where(r => r.Nodes != "ONNX Runtime's own").Sum(r => r.CountA));
        Assert.Equal(profiles[1].Graph.Nodes.Count, rows.Where(r => r.Nodes != "ONNX Runtime's own").Sum(r => r.CountB));
        // Every profiled kernel's time is in exactly one row.
        Assert.Equal(profiles[0].TotalMs, rows.Sum(r => r.MsA), tolerance: 1e-9);
        Assert.Equal(profiles[1].TotalMs, rows.Sum(r => r.MsB), tolerance: 1e-9);
        Assert.True(pix.MsA > 0 && dense.MsB > 0, "the substituted layers' kernels were attributed to them");
        // What is left to ONNX Runtime are its layout reorders: no kernel of a PiX layer's lowering.
        Assert.All(rows.Where(r => r.Nodes == "ONNX Runtime's own"), r => Assert.StartsWith("Reorder", r.Kind));

        // Where they differ: each PiX layer against the convolution it replaced, one pair per place, in network order.
        var differences = LayerComparison.Differences(profiles[0], profiles[1]);
        Assert.Equal(pix.CountA, differences.Count);
        Assert.All(differences, d => {
            Assert.Equal("PiX", Assert.Single(d.A).Op);
            Assert.Equal("Conv2d", Assert.Single(d.B).Op);
            Assert.Equal(d.A[0].Module, d.B[0].Module);   // SubstitutePiX keeps the layer's name
        });
        Assert.Equal(pix.MsA, differences.Sum(d => d.MsA), tolerance: 1e-9);
        Assert.Equal(dense.MsB, differences.Sum(d => d.MsB), tolerance: 1e-9);
    }

    [Fact]
    public void Bench_vs_fuse_profile_prints_the_comparison_and_profile_alone_still_needs_a_partner()
    {
        var (code, output, error) = Run("bench", "fmnist_pix_resnet", "--vs", "fmnist_resnet", "--fuse", "--profile", "--batch", "2", "--rounds", "1", "--warmup", "0");
        Assert.True(code == 0, error);
        Assert.Contains("node by node", output);
        Assert.Matches(@"only fmnist_pix_resnet\s+PiX\s+\d+", output);
        Assert.Matches(@"only fmnist_resnet\s+Conv2d 1×1\s+-\s+-\s+\d+", output);
        Assert.Matches(@"node time of fmnist_resnet over fmnist_pix_resnet: \d+\.\d{3}x in all", output);
        Assert.Contains("where they differ, in network order", output);
        Assert.Matches(@"layer1\.0\.conv1 \(PiX\)\s+\d+\.\d\d\s+layer1\.0\.conv1 \(Conv2d 1×1\)", output);

        // Two networks with different inputs: each is profiled on its own batch.
        (code, output, error) = Run("bench", "fmnist_resnet", "--vs", "resnet18", "--fuse", "--profile", "--batch", "1", "--rounds", "1", "--warmup", "0");
        Assert.True(code == 0, error);
        Assert.Matches(@"node time of resnet18 over fmnist_resnet: \d+\.\d{3}x in all", output);

        var (without, _, err) = Run("bench", "fmnist_pix_resnet", "--vs", "fmnist_resnet", "--profile");
        Assert.Equal(2, without);
        Assert.Contains("or with --vs and --fuse", err);
    }
}
