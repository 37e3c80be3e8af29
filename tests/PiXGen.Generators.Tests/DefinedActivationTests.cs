using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Generators.Tests;

/// <summary>
/// [ELU] and [Mish], layer kinds added through the shared activation definitions (src/PiXGen.Definitions/DefinedKinds.cs)
/// plus their attributes only: the generated code (Snapshots/DefinedActivationTests.*), the compiled network against the
/// real modules (<see cref="RuntimeCheck"/>: parameters, shapes, MACs, run-time costs, graph executor), its costs by the
/// definitions of docs/costs.md, and its outputs, state_dict keys, parameters and shapes against PyTorch 1.13
/// (Reference/activations.json, written by tools/reference/activations.py).
/// </summary>
public class DefinedActivationTests
{
    private static readonly string Source = Sources.Src("""
        [Network(Input = "3x4x5")]
        public partial class EluMish
        {
            [ELU(Alpha = 0.5)] readonly ELU elu;
            [Mish] readonly Mish mish;
        }

        [Network(Input = "3x4x5")]
        public partial class PlainElu
        {
            [ELU] readonly ELU elu;
        }

        [Network(Input = "3x6x6")]
        public partial class ConvElu
        {
            [Conv2d(4, Kernel = 3, Padding = 1)] [ELU(Alpha = 0.25)] readonly Sequential features;
            [Conv2d(4, Kernel = 1, Bias = false)] readonly Conv2d conv;
            [Mish] readonly Mish mish;
        }
        """);

    [Fact]
    public void Snapshot_and_runtime_shapes_parameters_macs_costs_and_graph()
    {
        var run = GeneratorHarness.Run(Source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Snapshot.VerifyGenerated(run, f => f.HintName == "Demo.ConvElu.g.cs");
        var assembly = RuntimeCheck.Load(run);
        RuntimeCheck.Check(assembly, "Demo.EluMish", 7, 9);
        RuntimeCheck.Check(assembly, "Demo.PlainElu", 7, 9);
        RuntimeCheck.Check(assembly, "Demo.ConvElu", 7, 9);

        // docs/costs.md: an activation is 0 MACs and one paper-convention operation per output element.
        var type = assembly.GetType("Demo.EluMish")!;
        Assert.Equal(0L, (long)type.GetField("Macs")!.GetValue(null)!);
        Assert.Equal(2L * 3 * 4 * 5, (long)type.GetField("MacsPaper")!.GetValue(null)!);
        var convElu = assembly.GetType("Demo.ConvElu")!;
        long convMacs = 4 * 3 * 9 * 36 + 4 * 4 * 36;
        Assert.Equal(convMacs, (long)convElu.GetField("Macs")!.GetValue(null)!);
        Assert.Equal(convMacs + 4 * 36 /* bias */ + 2 * 4 * 36 /* ELU, Mish */, (long)convElu.GetField("MacsPaper")!.GetValue(null)!);
    }

    [Theory]
    [InlineData("Demo.EluMish", "elu_alpha_0.5_then_mish")]
    [InlineData("Demo.PlainElu", "elu")]
    public void Outputs_keys_parameters_and_shapes_equal_PyTorch(string network, string reference)
    {
        var root = Reference("activations.json");
        AssertEqualsPyTorch(Source, network, root.GetProperty("cases").GetProperty(reference), root, 1e-6f);
    }

    /// <summary>A fixture of tools/reference/ (Reference/<paramref name="file"/>).</summary>
    internal static JsonElement Reference(string file, [CallerFilePath] string here = "")
        => JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(here)!, "Reference", file))).RootElement;

    /// <summary>
    /// Network <paramref name="network"/> of <paramref name="source"/> against a PyTorch case: state_dict keys, parameters,
    /// and the output (shape and values, within <paramref name="tolerance"/> relative) on the case's input
    /// (<c>input</c>/<c>input_shape</c> of <paramref name="expected"/>, else of <paramref name="root"/>).
    /// </summary>
    internal static void AssertEqualsPyTorch(string source, string network, JsonElement expected, JsonElement root, float tolerance)
    {
        var run = GeneratorHarness.Run(source).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        using var model = RuntimeCheck.Create(RuntimeCheck.Load(run), network);
        Assert.Equal(expected.GetProperty("state_dict_keys").EnumerateArray().Select(k => k.GetString()!).ToArray(), model.state_dict().Keys.ToArray());
        Assert.Equal(expected.GetProperty("parameters").GetInt64(), model.parameters().Sum(p => p.numel()));
        var data = expected.TryGetProperty("input", out var own) && own.ValueKind == JsonValueKind.Array ? expected : root;
        var shape = data.GetProperty("input_shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var input = data.GetProperty("input").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        model.eval();
        using var _ = torch.no_grad();
        var y = model.call(torch.tensor(input, shape));
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), y.shape);
        var want = expected.GetProperty("output").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        var got = y.data<float>().ToArray();
        for (int i = 0; i < want.Length; i++)
            Assert.True(System.Math.Abs(got[i] - want[i]) <= tolerance * (1 + System.Math.Abs(want[i])), $"{network}[{i}]: {got[i]} vs PyTorch {want[i]}");
    }

    [Fact]
    public void A_non_finite_alpha_is_a_located_error()
    {
        var run = GeneratorHarness.Run(Source.Replace("Alpha = 0.5", "Alpha = double.NaN"));
        Assert.Contains(run.GeneratorDiagnostics, d => d.Id == "PIX0106" && d.GetMessage().Contains("Alpha"));
    }
}
