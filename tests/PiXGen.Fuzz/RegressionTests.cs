using System.Collections.Generic;
using System.Linq;

namespace PiXGen.Fuzz;

/// <summary>Bugs the differential fuzzing found, each pinned by its minimal declaration (docs/reliability.md).</summary>
public class RegressionTests
{
    private static readonly Dictionary<string, string> Dense = new();

    /// <summary>
    /// A block member declared <c>Sequential?</c> whose items are all conditional always exists (an empty Sequential when
    /// every condition is false), so forward called it without a null check and the generated code had warning CS8602
    /// ("Dereference of a possibly null reference") — an error under TreatWarningsAsErrors.
    /// </summary>
    [Fact]
    public void Fuzz_CS8602_in_forward_for_a_nullable_Sequential_of_conditional_items()
    {
        const string block = """
            [Block]
            public partial class B
            {
                [Arg] readonly int planes;
                [Arg(1)] readonly int stride;
                [Conv2d("planes", Kernel = 3, Stride = "stride", Padding = 1)] readonly Conv2d conv;
                [Hardswish(When = "stride == 1")] readonly Sequential? act;
            }
            """;
        var generated = InMemoryCompiler.Generate(FuzzCase.Prelude + block + """

            [Network(Input = "3x8x8")]
            public partial class Net
            {
                [Use(typeof(B), "planes: 4")] [Use(typeof(B), "planes: 4, stride: 2")] readonly Sequential stage;
            }
            """, Dense);
        Assert.False(generated.HasErrors, string.Join("\n", generated.Messages));
        InMemoryCompiler.Emit(generated);
        Assert.True(generated.CompilerProblems.Count == 0, string.Join("\n", generated.CompilerProblems));
        Assert.Contains("x = this.act!.call(x);", generated.Files["Demo.B.g.cs"]);
        // The empty Sequential (stride 2) and the Hardswish one (stride 1) both run.
        var result = Fuzzer.Run(new FuzzCase
        {
            Blocks = new[] { block.Replace("class B", "class Block0", System.StringComparison.Ordinal) },
            Members = new[] { new Member(new object[] { new UseItem(0, i => $"planes: 4, stride: {i} == 0 ? 1 : 2", 2) }, "Sequential", "stage") },
            Channels = 3, Size = 8, Attributes = "", Properties = Dense, Variant = "dense",
        });
        Assert.True(result.Valid && !result.Mismatches.Any(), result.Describe());
    }

    /// <summary>
    /// A single [Use] on a field declared <c>Module&lt;Tensor, Tensor&gt;</c> (the type PIX0303 asks for where PiX
    /// substitution specialises the block) read the block's output channels as <c>this.stage.OutChannels</c>, which the
    /// base type does not have: generated code that did not compile (CS1061). Found by the fuzzer once it wrote named
    /// repeats, whose unrolled twin declares one such field per instance.
    /// </summary>
    [Theory]
    [InlineData("dense", "")]
    [InlineData("substitute", ", SubstitutePiX")]
    public void Fuzz_CS1061_a_Use_field_declared_as_Module_reads_its_channels_through_the_block_type(string variant, string attributes)
    {
        const string block = """
            [Block]
            public partial class Block0
            {
                [Arg] readonly int planes;
                [Arg(1)] readonly int stride;
                [Conv2d("planes * 4", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential expand;
                [Conv2d("planes", Kernel = 1, Stride = "stride", Bias = false)] [BatchNorm2d] readonly Sequential squeeze;
            }
            """;
        var c = new FuzzCase
        {
            Blocks = new[] { block },
            Members = new[]
            {
                new Member(new object[] { new UseItem(0, _ => "planes: 4, stride: 2", 0) }, "TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>", "stage"),
                new Member(new object[] { "Conv2d(6, Kernel = 1)" }, "Conv2d", "head"),
            },
            Channels = 16, Size = 8, Attributes = attributes, Properties = Dense, Variant = variant,
        };
        var generated = InMemoryCompiler.Generate(c.Source(unrolled: false), Dense);
        Assert.False(generated.HasErrors, string.Join("\n", generated.Messages));
        InMemoryCompiler.Emit(generated);
        Assert.True(generated.CompilerProblems.Count == 0, string.Join("\n", generated.CompilerProblems));
        Assert.Contains(").OutChannels;", generated.Files["Demo.Net.g.cs"]);
        var result = Fuzzer.Run(c);
        Assert.True(result.Valid && !result.Mismatches.Any(), result.Describe());
    }
}
