using System.Collections.Generic;
using System.Linq;

namespace PiXGen.Generators.Tests;

/// <summary>
/// PiX substitution and the build-time variants over the new constructs: a block with branches and a per-axis
/// convolution, network-level branches. Whatever they rewrite, the output compiles cleanly and the compiled networks
/// agree with their compile-time shapes, parameters and costs (<see cref="RuntimeCheck"/>).
/// </summary>
public class VariantInteractionTests
{
    [Theory]
    [InlineData("downscale")]
    [InlineData("prune")]
    [InlineData("pix")]
    public void SubstitutionAndVariants_OverBranchesAndPerAxisConvolutions_StayConsistent(string variant)
    {
        var src = Sources.Src("""
            [Block]
            public partial class Fire
            {
                [Conv2d(8, Kernel = 1)] readonly Conv2d squeeze;
                [Branch("e1")] [Conv2d(16, Kernel = 1)] readonly Conv2d expand1x1;
                [Branch("e3")] [Conv2d(16, Kernel = 3, Padding = 1)] readonly Conv2d expand3x3;
                [Conv2d(8, Kernel = "1x3", Padding = "0x1")] readonly Conv2d wide;
            }
            [Network(Input = "32x8x8"), SubstitutePiX]
            public partial class SNet
            {
                [Use(typeof(Fire))] readonly Sequential fire;
                [Branch("a")] [Conv2d(8, Kernel = 1)] readonly TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> a;
                [Branch("b")] [Conv2d(8, Kernel = 1)] readonly TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> b;
            }
            [Network(Input = "32x8x8"), Variants]
            public partial class VNet
            {
                [Use(typeof(Fire))] readonly Sequential fire;
                [Branch("a")] [Conv2d(8, Kernel = 1)] readonly TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> a;
                [Branch("b")] [Conv2d(8, Kernel = 1)] readonly TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> b;
            }
            """);
        // prune to 70% of the dense MACs (155,648); the candidates include the branch members (fire.0.expand1x1, a, b …).
        var run = GeneratorHarness.RunWith(new Dictionary<string, string> { ["build_property.PiXGenVariant"] = variant, ["build_property.PiXGenTarget"] = "0.7" }, src);
        run.AssertCompilesCleanly();
        // Substitution replaces the block's squeeze convolution; no branch member squeezes (8→16 in Fire, 8→8 in the network).
        var summary = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0300");
        Assert.Equal("SNet: PiX replaced 1 convolution(s): fire.0.squeeze (ζ=4)", summary.GetMessage());
        var asm = RuntimeCheck.Load(run);
        RuntimeCheck.Check(asm, "Demo.SNet", 10, 6);
        RuntimeCheck.Check(asm, "Demo.VNet", 10, 6);
    }
}
