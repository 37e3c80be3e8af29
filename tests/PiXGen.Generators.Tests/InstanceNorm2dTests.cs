namespace PiXGen.Generators.Tests;

/// <summary>
/// [InstanceNorm2d], a normalisation added through its shared definition (src/PiXGen.Definitions/DefinedKinds.cs)
/// plus its attribute only: the generated code (Snapshots/InstanceNorm2dTests.*), the compiled networks against the real
/// modules (<see cref="RuntimeCheck"/>), costs (no parameters, no MACs, 2 paper-convention operations per element),
/// located errors, and its output, state_dict keys, parameters and shapes against PyTorch 1.13
/// (Reference/instance_norm.json, written by tools/reference/instance_norm.py).
/// </summary>
public class InstanceNorm2dTests
{
    private static readonly string Source = Sources.Src("""
        [Block]
        public partial class StyleBlock
        {
            [Arg] readonly int width;
            [Conv2d("width", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
            [InstanceNorm2d] readonly InstanceNorm2d norm;
            [ReLU] readonly ReLU relu;
        }

        [Network(Input = "3x8x8")]
        public partial class Stylise
        {
            [Use(typeof(StyleBlock), "width: 6")] readonly StyleBlock block1;
            [Use(typeof(StyleBlock), "width: 4")] readonly StyleBlock block2;
        }

        [Network(Input = "3x4x5")]
        public partial class NormDefault
        {
            [InstanceNorm2d] readonly InstanceNorm2d norm;
        }

        [Network(Input = "4x3x2")]
        public partial class NormEps
        {
            [InstanceNorm2d(Eps = 0.1)] readonly InstanceNorm2d norm;
        }
        """);

    [Fact]
    public void Snapshot_runtime_shapes_parameters_and_costs()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.StyleBlock.g.cs");
        var assembly = RuntimeCheck.Load(run);
        RuntimeCheck.Check(assembly, "Demo.Stylise", 9, 7);
        var stylise = assembly.GetType("Demo.Stylise")!;
        Assert.Equal(6L * 3 * 9 + 4L * 6 * 9, (long)stylise.GetField("ParameterCount")!.GetValue(null)!); // the norms have none
        Assert.Equal(64L * (6 * 3 * 9 + 4 * 6 * 9), (long)stylise.GetField("Macs")!.GetValue(null)!);
        var norm = assembly.GetType("Demo.NormDefault")!;
        Assert.Equal(0L, (long)norm.GetField("Macs")!.GetValue(null)!);
        Assert.Equal(2L * 3 * 4 * 5, (long)norm.GetField("MacsPaper")!.GetValue(null)!);
    }

    [Fact]
    public void A_single_position_and_a_non_positive_eps_are_located_errors()
    {
        var single = GeneratorHarness.Run(Source.Replace("Input = \"4x3x2\"", "Input = \"4x1x1\""));
        var d = Assert.Single(single.GeneratorDiagnostics, d => d.Id == "PIX0106");
        Assert.Contains("more than one spatial element", d.GetMessage());
        var eps = GeneratorHarness.Run(Source.Replace("Eps = 0.1", "Eps = 0"));
        Assert.Contains(eps.GeneratorDiagnostics, d => d.Id == "PIX0106" && d.GetMessage().Contains("Eps must be positive"));
    }

    [Theory]
    [InlineData("Demo.NormDefault", "default")]
    [InlineData("Demo.NormEps", "eps_0.1")]
    public void Outputs_keys_parameters_and_shapes_equal_PyTorch(string network, string reference)
    {
        var root = DefinedActivationTests.Reference("instance_norm.json");
        DefinedActivationTests.AssertEqualsPyTorch(Source, network, root.GetProperty("cases").GetProperty(reference), root, 1e-5f);
    }
}
