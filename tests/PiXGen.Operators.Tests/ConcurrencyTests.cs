using System;
using System.Linq;
using System.Threading;
using PiXGen.PiX;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Operators.Tests;

/// <summary>The fused CPU PiX kernel under concurrent inference: four threads share one model.</summary>
public class ConcurrencyTests
{
    private const int Threads = 4, Rounds = 20;

    /// <summary>conv → PiX (fused kernel, ζ = 4, two PiX layers) → ReLU: every thread's output equals, bit for bit, the
    /// output of the same input computed alone on one thread before the threads start.</summary>
    [Fact]
    public void Fused_kernel_gives_identical_results_when_four_threads_run_one_model()
    {
        torch.manual_seed(11);
        using var model = nn.Sequential(
            ("conv", nn.Conv2d(8, 64, 3, padding: 1)),
            ("pix1", new PiXLayer(64, 4) { Implementation = PiXImplementation.Fused }),
            ("relu", nn.ReLU()),
            ("pix2", new PiXLayer(16, 2, tau: 0.3) { Implementation = PiXImplementation.Fused }),
            ("pool", nn.AdaptiveAvgPool2d(2)));
        model.eval();
        // One input per thread (different batch sizes too), and its single-threaded reference output.
        var inputs = Enumerable.Range(0, Threads).Select(t => torch.randn(1 + t, 8, 20, 20)).ToArray();
        Tensor[] expected;
        using (no_grad()) expected = inputs.Select(x => model.call(x).detach()).ToArray();

        var failures = new string?[Threads];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (int r = 0; r < Rounds && failures[t] is null; r++)
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    var y = model.call(inputs[t]);
                    if (!y.shape.SequenceEqual(expected[t].shape) || !y.eq(expected[t]).all().item<bool>())
                        failures[t] = $"thread {t}, round {r}: max |difference| {(y - expected[t]).abs().max().item<float>()}";
                }
            }
            catch (Exception ex) { failures[t] = $"thread {t}: {ex}"; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.True(failures.All(f => f is null), string.Join("\n", failures.Where(f => f is not null)));

        // The reference itself is the PiX operator: the composite (plain tensor ops) implementation agrees.
        foreach (var name in new[] { "pix1", "pix2" }) ((PiXLayer)model.named_children().Single(c => c.name == name).module).Implementation = PiXImplementation.Composite;
        using (no_grad())
            for (int t = 0; t < Threads; t++)
                Assert.True(model.call(inputs[t]).allclose(expected[t], rtol: 1e-5, atol: 1e-6), $"input {t}: fused and composite PiX differ");
        foreach (var x in inputs.Concat(expected)) x.Dispose();
    }
}
