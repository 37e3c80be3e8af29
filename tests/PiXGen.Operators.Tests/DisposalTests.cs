using System;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

/// <summary>Forward + backward in a loop leaves TorchSharp's live-tensor count where it was.</summary>
public class DisposalTests
{
    private const int Iterations = 10_000;

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Theory]
    [InlineData(PiXImplementation.Fused)]
    [InlineData(PiXImplementation.Composite)]
    public void FunctionalLoopDoesNotLeakTensors(PiXImplementation impl)
    {
        var x = randn(2, 9, 4, 4, requires_grad: true);
        var p = rand(2, 3, 1, 1, requires_grad: true);
        var g = randn(2, 3, 4, 4);
        RunTwice(() => {
            var y = PiXFunctional.pix(x, p, 3, 0.5, PiXMode.PickOrMix, impl);
            (y * g).sum().backward();
        });
        x.Dispose(); p.Dispose(); g.Dispose();
    }

    [Fact]
    public void ModuleLoopDoesNotLeakTensors()
    {
        using var layer = new PiXLayer(8, 4, bias: true);
        var x = randn(2, 8, 4, 4, requires_grad: true);
        RunTwice(() => layer.forward(x).sum().backward());
        x.Dispose();
    }

    [Fact]
    public void TheCounterSeesALeak()
    {
        // Control: a tensor taken out of its scope each iteration shows up in the count.
        var leaked = new System.Collections.Generic.List<Tensor>();
        using (NewDisposeScope()) { }
        long before = Tensor.TotalCount;
        for (int i = 0; i < 100; i++) {
            using var scope = NewDisposeScope();
            leaked.Add(ones(2).DetachFromDisposeScope());
        }
        Assert.Equal(before + 100, Tensor.TotalCount);
        leaked.ForEach(t => t.Dispose());
        Assert.Equal(before, Tensor.TotalCount);
    }

    /// <summary>Runs <paramref name="body"/> once to warm up, then <see cref="Iterations"/> times, each in a dispose
    /// scope, and compares the live-tensor count (no GC between the two readings, so a leak cannot hide behind a
    /// finalizer).</summary>
    private static void RunTwice(Action body)
    {
        using (NewDisposeScope()) body();
        Settle();
        long before = Tensor.TotalCount;
        for (int i = 0; i < Iterations; i++) {
            using var scope = NewDisposeScope();
            body();
        }
        long after = Tensor.TotalCount;
        Assert.Equal(before, after);
    }
}
