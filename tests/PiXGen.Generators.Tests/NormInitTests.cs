using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// Every normalisation of a generated network starts as PyTorch's does — weight 1, bias 0 — also without an [Init]:
/// TorchSharp 0.107's <c>nn.GroupNorm</c> leaves both uninitialised (found by the PyTorch parity test: values such as
/// −1.5e38 and NaN outputs), so the generated constructor must not rely on it.
/// </summary>
public class NormInitTests
{
    private static readonly string Source = Sources.Src("""
        [Network(Input = "8x5x5")]
        public partial class Norms
        {
            [Conv2d(8, Kernel = 3, Padding = 1)] readonly Conv2d conv;
            [GroupNorm(2)] readonly GroupNorm gn;
            [BatchNorm2d] readonly BatchNorm2d bn;
            [GroupNorm(4, Eps = 0.001)] readonly GroupNorm gn2;
        }
        """);

    [Fact]
    public void Norm_weights_start_at_one_and_biases_at_zero_without_an_init()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var assembly = RuntimeCheck.Load(run);
        for (int attempt = 0; attempt < 3; attempt++) {   // fresh allocations each time: garbage would differ
            using var model = RuntimeCheck.Create(assembly, "Demo.Norms");
            foreach (var (name, p) in model.named_parameters()) {
                if (name.StartsWith("conv", System.StringComparison.Ordinal)) continue;
                double expected = name.EndsWith(".weight", System.StringComparison.Ordinal) ? 1 : 0;
                using var same = p.detach().eq(expected).all();
                Assert.True(same.item<bool>(), $"{name} = {p.detach().flatten()[0].to(float64).item<double>()}, expected {expected}");
            }
        }
    }
}
