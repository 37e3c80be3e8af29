using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Compiles a generator run's output into an assembly, loads it, builds a network with its default arguments and
/// checks what the compiler claimed against the real TorchSharp module: the output shape of a forward pass against
/// <c>OutputShape</c>, the module's parameters against <c>ParameterCount</c>, and MACs counted by forward hooks on
/// the real modules against <c>Macs</c> and against the run-time evaluator (<c>CostFor</c>), and the other compile-time
/// totals (buffers, paper convention, activation memory and its peak) against that evaluator.
/// </summary>
public static class RuntimeCheck
{
    /// <summary>Loads the compiled output of <paramref name="run"/> (a fresh, collectible load context per call).</summary>
    public static Assembly Load(GeneratorRun run)
    {
        using var stream = new MemoryStream();
        var result = run.Output.Emit(stream);
        if (!result.Success)
            throw new Xunit.Sdk.XunitException("The output does not compile:\n" + GeneratorRun.Describe(result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;
        return new AssemblyLoadContext("pixgen-test-" + Guid.NewGuid().ToString("N"), isCollectible: true).LoadFromStream(stream);
    }

    /// <summary>A network of the loaded assembly built with its default arguments.</summary>
    public static nn.Module<Tensor, Tensor> Create(Assembly assembly, string typeName)
    {
        var type = assembly.GetType(typeName) ?? throw new Xunit.Sdk.XunitException($"no type {typeName} in the generated assembly");
        var ctor = type.GetConstructors().Single();
        return (nn.Module<Tensor, Tensor>)ctor.Invoke(ctor.GetParameters().Select(_ => Type.Missing).ToArray());
    }

    private static T Static<T>(Type type, string name)
    {
        if (type.GetField(name, BindingFlags.Public | BindingFlags.Static) is { } f) return (T)f.GetValue(null)!;
        return (T)type.GetProperty(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
    }

    /// <summary>
    /// Checks shapes, parameters and MACs of network <paramref name="typeName"/> (see the class summary) at its
    /// declared input size and, when given, at another <paramref name="otherHeight"/>×<paramref name="otherWidth"/>.
    /// Returns the network (in eval mode) for further checks.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Check(Assembly assembly, string typeName, long otherHeight = 0, long otherWidth = 0)
    {
        var model = Create(assembly, typeName);
        var type = model.GetType();
        var input = Static<System.Collections.Generic.IReadOnlyList<long>>(type, "InputShape").ToArray();
        var output = Static<System.Collections.Generic.IReadOnlyList<long>>(type, "OutputShape").ToArray();
        long parameters = model.parameters().Sum(p => p.numel());
        Assert.Equal(Static<long>(type, "ParameterCount"), parameters);

        model.eval();
        using (var _ = torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var y = model.call(torch.randn(new long[] { 2 }.Concat(input).ToArray()));
            Assert.Equal(new long[] { 2 }.Concat(output).ToArray(), y.shape);
        }

        CheckGraph(model, input);

        long macs = HookMacs(Create(assembly, typeName), input);
        Assert.Equal(Static<long>(type, "Macs"), macs);
        var costFor = type.GetMethod("CostFor")!;
        dynamic declared = costFor.Invoke(null, new object[] { input[1], input[2] })!;
        Assert.Equal(macs, (long)declared.Macs);
        Assert.Equal(parameters, (long)declared.Parameters);
        // The run-time evaluator is a separate implementation of the cost rules: every total agrees at the declared size.
        foreach (var name in new[] { "Buffers", "MacsPaper", "ActivationBytes", "PeakActivationBytes" })
            Assert.True(Static<long>(type, name) == (long)declared.GetType().GetProperty(name)!.GetValue(declared)!, $"{name} differs between compile time and CostFor");
        if (otherHeight > 0)
        {
            dynamic other = costFor.Invoke(null, new object[] { otherHeight, otherWidth })!;
            Assert.Equal(HookMacs(Create(assembly, typeName), input[0], otherHeight, otherWidth), (long)other.Macs);
        }
        return model;
    }

    /// <summary>
    /// The compiler's dataflow graph (IHasGraph) describes the module: the graph executor, reading only the graph and the
    /// state_dict, reproduces the module's eval output (norm statistics and affine parameters perturbed first, so the
    /// order of ops and the BatchNorm/GroupNorm wiring matter). Networks with a hand-written forward have no graph.
    /// </summary>
    public static void CheckGraph(nn.Module<Tensor, Tensor> model, long[] input)
    {
        if (model is not PiXGen.Graph.IHasGraph withGraph) return;
        using var scope = torch.NewDisposeScope();
        using (torch.no_grad())
        {
            var generator = new torch.Generator(11);
            foreach (var (name, tensor) in model.state_dict())
                if (tensor.is_floating_point() && (name.EndsWith("running_mean") || name.EndsWith("running_var") || tensor.dim() == 1))
                    tensor.copy_(name.EndsWith("running_var") ? torch.rand(tensor.shape, generator: generator) + 0.5 : torch.randn(tensor.shape, generator: generator) * 0.2 + (name.EndsWith("weight") ? 1 : 0));
        }
        // In float64, so any difference is a difference of computation, not of float32 rounding order.
        model.to(torch.float64).eval();
        var x = torch.randn(new long[] { 2 }.Concat(input).ToArray(), dtype: torch.float64, generator: new torch.Generator(3));
        Tensor expected, actual;
        using (torch.no_grad())
        {
            expected = model.call(x);
            actual = PiXGen.Graph.GraphExecutor.ForModule(withGraph).Run(x);
        }
        Assert.Equal(expected.shape, actual.shape);
        double rel = (actual - expected).norm().item<double>() / Math.Max(1e-300, expected.norm().item<double>());
        Assert.True(rel <= 1e-10, $"{model.GetType().Name}: graph executor differs from the module by relative L2 {rel:E2} (float64)");
        model.to(torch.float32);
    }

    /// <summary>
    /// MACs of one forward pass at batch 1 counted by forward hooks on the real modules (<c>module.Summary</c>): each
    /// Conv2d, ConvTranspose2d, Linear and PiX counted by its shared layer definition from its real weight shapes and
    /// the call's real tensor shapes (<see cref="PiXGen.Costs.RuntimeSummary.MacsOf"/>).
    /// </summary>
    public static long HookMacs(nn.Module<Tensor, Tensor> model, params long[] sample)
        => PiXGen.Costs.RuntimeSummary.Summary(model, new long[] { 1 }.Concat(sample).ToArray()).Macs;
}
