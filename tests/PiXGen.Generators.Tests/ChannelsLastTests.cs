using System;
using System.Linq;

namespace PiXGen.Generators.Tests;

/// <summary>
/// ConvNeXt's constructs: <c>[Permute]</c> (a kind defined in src/PiXGen.Definitions/DefinedKinds.cs) moving the channels
/// last and back, <c>[LayerNorm]</c> and <c>[Linear]</c> over the channels of a channels-last map, and the learnable
/// <c>[LayerScale]</c> parameter member. The generated block (Snapshots/ChannelsLastTests.*), the compiled network against
/// its real modules (<see cref="RuntimeCheck"/>: parameters, shapes, graph executor in float64, hook-counted MACs at two
/// sizes), the state_dict keys torchvision's CNBlock has, and located errors for each misuse. The numbers against
/// torchvision are ZooFidelityTests' (convnext_tiny … convnext_large).
/// </summary>
public class ChannelsLastTests
{
    private static readonly string Source = Sources.Src("""
        [Block, Residual]
        public partial class MiniCNBlock
        {
            [Conv2d("in", Kernel = 3, Padding = 1, Groups = "in")]
            [Permute(0, 2, 3, 1)]
            [LayerNorm]
            [Linear("2 * in")]
            [GELU(Approximate = "tanh")]
            [Linear("in")]
            [Permute(0, 3, 1, 2)]
            readonly Sequential block;
            [LayerScale(0.5)] readonly Parameter layer_scale;
            [StochasticDepth(0.1)] readonly PiXGen.Layers.StochasticDepth stochastic_depth;
        }

        [Network(Input = "3x16x16")]
        public partial class MiniConvNeXt
        {
            [Conv2d(8, Kernel = 4, Stride = 4)] readonly Conv2d stem;
            [Use(typeof(MiniCNBlock), Count = 2)] readonly Sequential stage;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [LayerNorm] readonly LayerNorm norm;
            [Linear(5)] readonly Linear fc;
        }
        """);

    [Fact]
    public void Snapshot_runtime_keys_parameters_graph_and_costs()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.MiniCNBlock.g.cs");
        var assembly = RuntimeCheck.Load(run);
        using var model = RuntimeCheck.Check(assembly, "Demo.MiniConvNeXt", 24, 20);
        var keys = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        // torchvision's CNBlock numbering: the permutes and GELU hold children 1, 4 and 6 without parameters.
        Assert.Equal(new long[] { 8, 1, 3, 3 }, keys["stage.0.block.0.weight"]);
        Assert.Equal(new long[] { 8 }, keys["stage.0.block.2.weight"]);
        Assert.Equal(new long[] { 16, 8 }, keys["stage.1.block.3.weight"]);
        Assert.Equal(new long[] { 8, 16 }, keys["stage.1.block.5.weight"]);
        Assert.Equal(new long[] { 8, 1, 1 }, keys["stage.0.layer_scale"]);
        Assert.Equal(new long[] { 8 }, keys["norm.bias"]);
        Assert.DoesNotContain(keys.Keys, k => k.Contains("block.1.") || k.Contains("block.4.") || k.Contains("block.6."));
        var scale = model.state_dict()["stage.1.layer_scale"];
        Assert.True(scale.eq(0.5f).all().item<bool>(), "the layer scale starts at its declared value");
        Assert.True(scale.requires_grad, "the layer scale is a trainable parameter");

        var type = assembly.GetType("Demo.MiniConvNeXt")!;
        // Per block: depthwise 8·9 + 8, LayerNorm 2·8, Linear 8·16 + 16 and 16·8 + 8, layer scale 8.
        long block = 8 * 9 + 8 + 16 + (8 * 16 + 16) + (16 * 8 + 8) + 8;
        Assert.Equal(8 * 3 * 16 + 8 + 2 * block + 16 + 8 * 5 + 5, (long)type.GetField("ParameterCount")!.GetValue(null)!);
        // MACs on the 4×4 map: depthwise 16·8·9, the two Linears 16·8·16 each (output elements × in features).
        long blockMacs = 16 * 8 * 9 + 2 * 16 * 8 * 16;
        Assert.Equal(16 * 8 * 3 * 16 + 2 * blockMacs + 8 * 5, (long)type.GetField("Macs")!.GetValue(null)!);
    }

    [Fact]
    public void A_block_with_a_layer_scale_cannot_be_inlined()
    {
        var source = Sources.Src("""
            [Block]
            public partial class Scaled
            {
                [Conv2d("in", Kernel = 1)] readonly Conv2d conv;
                [LayerScale(0.5)] readonly Parameter layer_scale;
            }

            [Network(Input = "3x8x8")]
            public partial class InlinesScaled
            {
                [Conv2d(4, Kernel = 1)] [Use(typeof(Scaled), Inline = true)] readonly Sequential body;
            }
            """);
        var d = Assert.Single(GeneratorHarness.Run(source).GeneratorDiagnostics, d => d.Id == "PIX0106");
        Assert.Contains("layer_scale", d.GetMessage());
        Assert.True(d.Location.IsInSource);
    }

    [Theory]
    // LayerNorm over the last axis of a C×H×W map would normalise its width: refused, naming the two fixes.
    [InlineData("readonly Conv2d stem;", "readonly Conv2d stem;\n    [LayerNorm] readonly LayerNorm early;", "PIX0105", "LayerNorm2d")]
    // A convolution on a channels-last map.
    [InlineData("[Linear(\"in\")]\n    [Permute(0, 3, 1, 2)]", "[Linear(\"in\")]\n    [Conv2d(8, Kernel = 1)]\n    [Permute(0, 3, 1, 2)]", "PIX0105", "Permute(0, 3, 1, 2)")]
    // Defined kinds that need a C×H×W map (NeedsMap) on a channels-last map.
    [InlineData("[Linear(\"in\")]\n    [Permute(0, 3, 1, 2)]", "[Linear(\"in\")]\n    [GroupNorm(2)]\n    [Permute(0, 3, 1, 2)]", "PIX0105", "Permute(0, 3, 1, 2)")]
    [InlineData("[Linear(\"in\")]\n    [Permute(0, 3, 1, 2)]", "[Linear(\"in\")]\n    [ChannelShuffle(2)]\n    [Permute(0, 3, 1, 2)]", "PIX0105", "Permute(0, 3, 1, 2)")]
    // An order other than the two.
    [InlineData("[Permute(0, 2, 3, 1)]", "[Permute(0, 1, 3, 2)]", "PIX0106", "(0, 2, 3, 1)")]
    // Moving the channels first when they already are.
    [InlineData("[Permute(0, 2, 3, 1)]", "[Permute(0, 3, 1, 2)]", "PIX0106", "channels-last map")]
    // A layer scale is a parameter, not a child of a Sequential.
    [InlineData("[Permute(0, 3, 1, 2)]", "[Permute(0, 3, 1, 2)]\n    [LayerScale(1e-6)]", "PIX0009", "[LayerScale]")]
    // A layer scale on a module-typed field.
    [InlineData("readonly Parameter layer_scale;", "readonly Linear layer_scale;", "PIX0006", "Parameter")]
    // A block that ends channels-last cannot be added to its (channels-first) input.
    [InlineData("    [Permute(0, 3, 1, 2)]\n    readonly Sequential block;\n    [LayerScale(0.5)] readonly Parameter layer_scale;",
                "    readonly Sequential block;", "PIX01", "")]
    public void Misuse_is_a_located_error(string find, string replace, string id, string words)
    {
        var source = Source.Replace(find, replace);
        Assert.NotEqual(Source, source);
        var run = GeneratorHarness.Run(source);
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).ToList();
        var d = errors.FirstOrDefault(d => d.Id.StartsWith(id, StringComparison.Ordinal))
                ?? throw new Xunit.Sdk.XunitException($"no {id} error; got: {string.Join("; ", errors.Select(e => e.Id + " " + e.GetMessage()))}");
        Assert.Contains(words, d.GetMessage());
        Assert.True(d.Location.IsInSource, $"{d.Id} is located: {d.GetMessage()}");
    }
}
