using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Generators.Analysis;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;
using PiXGen.Generators.Parsing;
using static PiXGen.Generators.Tests.Sources;

namespace PiXGen.Generators.Tests;

/// <summary>
/// The PiX passes on the IR (<see cref="PiXPass"/>): from a dense network's instantiated IR and the decisions
/// (<see cref="PiXRewriter.Decisions"/>, <see cref="VariantSelector.Decide"/>) they compute the PiX network, and
/// <see cref="TranslationValidator"/> holds the declarations the module is emitted from to it. Expected values are
/// derived from the dense IR's own nodes (channels, kernels, parameter counts), not written down.
/// </summary>
public class IRPassTests
{
    /// <summary>A bottleneck (single-field convolutions, a residual, an AfterAdd activation) repeated, and a Sequential head.</summary>
    private const string Bottleneck = """
        [Block, Residual(When = "in == oup")]
        public partial class Bottleneck
        {
            [Arg] readonly int mid;
            [Arg] readonly int oup;
            [Conv2d("mid", Kernel = 1, Bias = false)] readonly Conv2d reduce;
            [BatchNorm2d] readonly BatchNorm2d bn1;
            [ReLU] readonly ReLU relu1;
            [Conv2d("oup", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
            [BatchNorm2d] readonly BatchNorm2d bn2;
            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }
        """;

    private static string Net(string body, string attributes = "") => Bottleneck + $$"""

        [Network(Input = "3x16x16"){{attributes}}]
        public partial class Net
        {
            [Conv2d(32, Kernel = 3, Padding = 1)] readonly Conv2d stem;
            {{body}}
            readonly Sequential body;
            [Conv2d(16, Kernel = 1)] [BatchNorm2d] [ReLU] [Conv2d(8, Kernel = 3, Padding = 1)] readonly Sequential head;
            [AdaptiveAvgPool2d(1)] readonly AdaptiveAvgPool2d pool;
            [Flatten] readonly Flatten flatten;
            [Linear(10)] readonly Linear fc;
        }
        """;

    private const string Repeated = "[Use(typeof(Bottleneck), \"mid: i == 0 ? 8 : 16, oup: 32\", Count = 2)]";
    private const string Unrolled = "[Use(typeof(Bottleneck), \"mid: 8, oup: 32\")] [Use(typeof(Bottleneck), \"mid: 16, oup: 32\")]";

    private static readonly PiXOptionsDecl Options = new("0.5", 0, 0, false, true);

    /// <summary>A parsed network, its blocks and its dense IR, taken from the generator's own steps.</summary>
    private sealed record Declared(ClassDecl Network, Dictionary<string, ClassDecl> Blocks, LayerNode Dense, GeneratorRun Run)
    {
        public LayerNode Generated => Outputs<GenerationResult>(Run, PiXGenGenerator.Steps.AnalyseNetworks).Single(r => r.HintName.Contains(Network.Name)).Network!;
    }

    private static Declared Declare(string source, IDictionary<string, string>? properties = null)
    {
        var run = GeneratorHarness.RunWith(properties ?? new Dictionary<string, string>(), Src(source));
        var network = Outputs<ParseResult>(run, PiXGenGenerator.Steps.ParseNetworks).Select(p => p.Decl!).Single();
        var blocks = Outputs<EquatableArray<ClassDecl>>(run, PiXGenGenerator.Steps.Blocks).Single().ToDictionary(b => b.FullName);
        var diagnostics = new List<DiagnosticInfo>();
        var dense = ShapeInference.Run(network, blocks, diagnostics);
        Assert.Empty(diagnostics);
        return new Declared(network, blocks, dense!, run);
    }

    private static IEnumerable<T> Outputs<T>(GeneratorRun run, string step)
        => run.Result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => (T)o.Value);

    private static IEnumerable<LayerNode> Walk(LayerNode node) => new[] { node }.Concat(node.Children.SelectMany(Walk));

    private static LayerNode Layer(LayerNode root, string path) => Walk(root).Single(n => n.Kind == NodeKind.Layer && n.Path == path);

    private static bool Has(LayerNode root, string path) => Walk(root).Any(n => n.Kind == NodeKind.Layer && n.Path == path);

    private static Dictionary<string, PiXRewriter.PiXAction> Insert(int zeta, params string[] paths)
        => paths.ToDictionary(p => p, _ => new PiXRewriter.PiXAction(true, zeta));

    private static Dictionary<string, PiXRewriter.PiXAction> Squeeze(params string[] paths)
        => paths.ToDictionary(p => p, _ => new PiXRewriter.PiXAction(false, 0));

    private static Dictionary<string, PiXRewriter.PiXAction> Substitution(Declared d)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var actions = PiXRewriter.Decisions(d.Network, d.Dense, diagnostics);
        Assert.Empty(diagnostics);
        return actions;
    }

    private static Dictionary<string, PiXRewriter.PiXAction> Variant(Declared d, string kind, int zeta = 2, string? target = null)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var decided = VariantSelector.Decide(new VariantSelector.Choice(kind, zeta, target), d.Network, d.Blocks, d.Dense,
            CostModel.Compute(d.Dense).Macs, diagnostics);
        Assert.Empty(diagnostics);
        return decided!.Value.Actions;
    }

    [Fact]
    public void Substitution_replaces_each_squeeze_convolution_by_PiX_and_removes_its_batchnorm_and_activation()
    {
        var d = Declare(Net(Repeated, ", SubstitutePiX"));
        var actions = Substitution(d);
        // The squeezes: 32 → 8 and 32 → 16 in the blocks, 32 → 16 at the head; not the 3×3s, not the RGB stem.
        Assert.Equal(new[] { "body.0.reduce", "body.1.reduce", "head.0" }, actions.Keys.OrderBy(k => k, System.StringComparer.Ordinal));
        var pix = PiXPass.Run(d.Dense, actions, Options);
        foreach (var path in actions.Keys)
        {
            var conv = Layer(d.Dense, path);
            var node = Layer(pix, path);
            Assert.True(node.Is(DefinedKind.PiX), $"{node.Path} is {node.Op}");
            Assert.Equal(conv.Role, node.Role);
            Assert.Equal((conv.GetInt("InChannels") / conv.GetInt("OutChannels")).ToString(CultureInfo.InvariantCulture), node.Get("Zeta"));
            Assert.Equal(conv.In, node.In);
            Assert.Equal(conv.Out, node.Out);
            Assert.Equal(conv.GetInt("OutChannels") * conv.GetInt("InChannels"), node.Parameters); // φ: C_out × C_in, no bias
        }
        Assert.Equal("4", Layer(pix, "body.0.reduce").Get("Zeta"));
        Assert.Equal("2", Layer(pix, "body.1.reduce").Get("Zeta"));
        // In the blocks the BatchNorm and ReLU fields after the convolution are gone; the residual, its AfterAdd ReLU and bn2 stay.
        foreach (var block in new[] { "body.0", "body.1" })
        {
            Assert.False(Has(pix, block + ".bn1"));
            Assert.False(Has(pix, block + ".relu1"));
            Assert.True(Has(pix, block + ".bn2"));
            Assert.Equal(NodeRole.AfterAdd, Layer(pix, block + ".relu").Role);
            Assert.True(Walk(pix).Single(n => n.Kind == NodeKind.Block && n.Path == block).Residual);
        }
        // Parameters: each replacement drops the convolution's bias (none here) and its BatchNorm's 2·C_out.
        long removed = actions.Keys.Sum(p => Layer(d.Dense, p).Parameters - Layer(pix, p).Parameters + 2 * Layer(d.Dense, p).GetInt("OutChannels"));
        Assert.Equal(d.Dense.Parameters - removed, pix.Parameters);
        Assert.Equal(d.Dense.Out, pix.Out);
    }

    [Fact]
    public void In_a_sequential_the_children_after_a_replacement_are_renumbered_as_the_module_names_them()
    {
        var d = Declare(Net(Repeated));
        var pix = PiXPass.Run(d.Dense, Squeeze("head.0"), Options);
        var head = Walk(pix).Single(n => n.Kind == NodeKind.Sequential && n.Path == "head");
        Assert.Equal(new[] { "0", "1" }, head.Children.Select(c => c.Name));
        Assert.Equal(new[] { "head.0", "head.1" }, head.Children.Select(c => c.Path));
        // head.1 is the dense network's head.3, unchanged but for its name.
        var moved = Layer(d.Dense, "head.3");
        Assert.Equal(moved with { Name = "1", Path = "head.1" }, head.Children[1]);
        Assert.Equal(head.Children.Sum(c => c.Parameters), head.Parameters);
    }

    [Fact]
    public void Without_norm_and_activation_only_the_convolution_changes()
    {
        var d = Declare(Net(Repeated));
        var pix = PiXPass.Run(d.Dense, Squeeze("head.0", "body.0.reduce"), Options with { WithNormAndActivation = false });
        Assert.Equal(4, Walk(pix).Single(n => n.Path == "head" && n.Kind == NodeKind.Sequential).Children.Count);
        Assert.Equal("BatchNorm2d", Layer(pix, "head.1").Op);
        Assert.True(Has(pix, "body.0.bn1") && Has(pix, "body.0.relu1"));
    }

    [Fact]
    public void Downscale_puts_a_PiX_in_front_of_each_convolution_whose_input_channels_shrink_by_zeta()
    {
        var d = Declare(Net(Repeated, ", Variants"));
        var actions = Variant(d, "downscale", zeta: 4);
        // Every ungrouped main-path convolution whose input channels ζ divides: all but the RGB stem.
        Assert.Equal(Walk(d.Dense).Count(n => n.Is(DefinedKind.Conv2d)) - 1, actions.Count);
        Assert.DoesNotContain("stem", actions.Keys);
        var pix = PiXPass.Run(d.Dense, actions, Options);
        // A single-field convolution gets a field "<conv>_pix" in front of it.
        var conv = Layer(d.Dense, "body.0.conv");
        var inserted = Layer(pix, "body.0.conv_pix");
        var shrunk = Layer(pix, "body.0.conv");
        Assert.True(inserted.Is(DefinedKind.PiX), $"{inserted.Path} is {inserted.Op}");
        Assert.Equal("4", inserted.Get("Zeta"));
        Assert.Equal(conv.In, inserted.In);
        Assert.Equal(conv.In.C / 4, inserted.Out.C);
        Assert.Equal(inserted.Out, shrunk.In);
        Assert.Equal((conv.In.C / 4).ToString(CultureInfo.InvariantCulture), shrunk.Get("InChannels"));
        Assert.Equal(conv.Out, shrunk.Out);
        Assert.Equal(conv.Parameters / 4, shrunk.Parameters); // no bias: C_out × C_in/ζ × 3 × 3
        Assert.Equal(conv.Role, inserted.Role);
        // The BatchNorm after a downscaled convolution stays.
        Assert.True(Has(pix, "body.0.bn2"));
        // In a Sequential the PiX takes the convolution's index and the rest move up: head = PiX, conv, bn, relu, PiX, conv.
        var head = Walk(pix).Single(n => n.Kind == NodeKind.Sequential && n.Path == "head");
        Assert.Equal(new[] { "PiX", "Conv2d", "BatchNorm2d", "ReLU", "PiX", "Conv2d" }, head.Children.Select(c => c.Op));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => "head." + i), head.Children.Select(c => c.Path));
        Assert.Equal(Layer(d.Dense, "head.3").Out, Layer(pix, "head.5").Out);
        Assert.Equal("4", Layer(pix, "head.5").Get("InChannels"));
        Assert.Equal(Walk(pix).Where(n => n.Kind == NodeKind.Layer).Sum(n => n.Parameters), pix.Parameters);
    }

    [Fact]
    public void Prune_reads_the_same_decisions_and_inserts_its_per_layer_zeta()
    {
        var d = Declare(Net(Repeated, ", Variants"));
        var actions = Variant(d, "prune", target: "0.7");
        Assert.NotEmpty(actions);
        var pix = PiXPass.Run(d.Dense, actions, Options);
        // One PiX per decision, with the decision's ζ, and the MACs meet the target.
        Assert.Equal(actions.Values.Select(a => a.Zeta.ToString(CultureInfo.InvariantCulture)).OrderBy(z => z),
            Walk(pix).Where(n => n.Is(DefinedKind.PiX)).Select(n => n.Get("Zeta")).OrderBy(z => z));
        Assert.True(CostModel.Compute(pix).Macs <= VariantSelector.ParseTarget("0.7", CostModel.Compute(d.Dense).Macs));
    }

    [Fact]
    public void A_pass_returns_the_nodes_it_has_no_decision_for_as_they_were()
    {
        var d = Declare(Net(Repeated));
        Assert.Same(d.Dense, PiXPass.Run(d.Dense, new Dictionary<string, PiXRewriter.PiXAction>(), Options));
        var pix = PiXPass.Run(d.Dense, Squeeze("body.1.reduce"), Options);
        for (int i = 0; i < d.Dense.Children.Count; i++)
            if (d.Dense.Children[i].Path != "body") Assert.Same(d.Dense.Children[i], pix.Children[i]);
        var body = pix.Children.Single(c => c.Path == "body");
        Assert.Same(d.Dense.Children.Single(c => c.Path == "body").Children[0], body.Children[0]); // body.0: no decision inside
        Assert.NotEqual(d.Dense.Children.Single(c => c.Path == "body").Children[1], body.Children[1]);
    }

    public static IEnumerable<object[]> Kinds() => new[] { new object[] { "substitute" }, new object[] { "pix" }, new object[] { "downscale" }, new object[] { "prune" } };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_repeated_use_and_its_unrolled_twin_give_the_same_pass_output(string kind)
    {
        var attributes = kind == "substitute" ? ", SubstitutePiX" : ", Variants";
        var repeated = Declare(Net(Repeated, attributes));
        var unrolled = Declare(Net(Unrolled, attributes));
        Assert.Null(TranslationValidator.FirstDifference(repeated.Dense, unrolled.Dense));
        Dictionary<string, PiXRewriter.PiXAction> Decide(Declared d) => kind == "substitute" ? Substitution(d) : Variant(d, kind, target: "0.7");
        var a = Decide(repeated);
        var b = Decide(unrolled);
        Assert.Equal(a.OrderBy(x => x.Key, System.StringComparer.Ordinal), b.OrderBy(x => x.Key, System.StringComparer.Ordinal));
        Assert.NotEmpty(a);
        var pa = PiXPass.Run(repeated.Dense, a, Options);
        var pb = PiXPass.Run(unrolled.Dense, b, Options);
        Assert.Null(TranslationValidator.FirstDifference(pa, pb));
        Assert.Equal(pa.Parameters, pb.Parameters);
        Assert.NotEqual(repeated.Dense.Parameters, pa.Parameters);
    }

    [Theory]
    [InlineData("", "substitute")]
    [InlineData("pix", "variant")]
    [InlineData("downscale", "variant")]
    [InlineData("prune", "variant")]
    public void The_generator_emits_exactly_the_network_the_pass_computes(string kind, string how)
    {
        var properties = new Dictionary<string, string> { ["build_property.PiXGenVariant"] = kind, ["build_property.PiXGenTarget"] = "0.7" };
        var d = Declare(Net(Repeated, how == "substitute" ? ", SubstitutePiX" : ", Variants"), kind.Length == 0 ? null : properties);
        Assert.DoesNotContain(d.Run.GeneratorDiagnostics, x => x.Id == "PIX9999");
        d.Run.AssertCompilesCleanly();
        var expected = PiXPass.Run(d.Dense, how == "substitute" ? Substitution(d) : Variant(d, kind, target: "0.7"), Options);
        Assert.Null(TranslationValidator.FirstDifference(expected, d.Generated));
        Assert.Contains(Walk(d.Generated), n => n.Is(DefinedKind.PiX));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData("", false)]
    public void The_translation_check_follows_its_MSBuild_property_and_does_not_change_the_code(string? value, bool on)
    {
        // The harness builds with the check on; a user's build (no property) has it off.
        var properties = value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [GeneratorHarness.CheckTranslationKey] = value };
        var source = Src(Net(Repeated, ", SubstitutePiX"));
        var run = GeneratorHarness.RunWith(properties, source);
        Assert.Equal(on, Outputs<BuildOptions>(run, PiXGenGenerator.Steps.BuildOptions).Single().CheckTranslation);
        Assert.DoesNotContain(run.GeneratorDiagnostics, x => x.Id == "PIX9999");
        // The emitted module is the rewrite's either way: the check only compares it with the pass.
        var other = GeneratorHarness.RunWith(new Dictionary<string, string> { [GeneratorHarness.CheckTranslationKey] = on ? "false" : "true" }, source);
        Assert.Equal(Sources(run), Sources(other));
        Assert.Contains("PiXLayer", Sources(run));
    }

    private static string Sources(GeneratorRun run)
        => string.Join("\n", run.Result.GeneratedSources.OrderBy(s => s.HintName).Select(s => s.HintName + "\n" + s.SourceText));

    [Fact]
    public void The_validator_names_the_first_differing_path_and_both_values()
    {
        var d = Declare(Net(Repeated));
        var expected = PiXPass.Run(d.Dense, Squeeze("body.1.reduce", "head.0"), Options);
        // A specialisation that kept the dense convolution: the first difference is the decided path.
        var kept = TranslationValidator.Validate(d.Network, expected, d.Dense);
        Assert.NotNull(kept);
        Assert.Equal("PIX9999", kept!.Id);
        var message = kept.ToDiagnostic(GeneratorHarness.Compile("")).GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'Net'", message);
        Assert.Contains("at 'body.1.reduce' (layer): the pass gives PiX, the declarations give Conv2d", message);
        // One parameter count off, deep inside: named at that layer, not at the network.
        var conv = Layer(expected, "body.1.conv");
        var off = Replace(expected, conv, conv with { Parameters = conv.Parameters + 1 });
        Assert.Equal($"at 'body.1.conv' (parameters): the pass gives {conv.Parameters}, the declarations give {conv.Parameters + 1}",
            TranslationValidator.FirstDifference(expected, off));
        // A follower that was not removed.
        var head = Walk(expected).Single(n => n.Kind == NodeKind.Sequential && n.Path == "head");
        var extra = Replace(expected, head, head with { Children = head.Children.Append(Layer(d.Dense, "head.2") with { Path = "head.2", Name = "2" }).ToEquatableArray() });
        Assert.Equal("at 'head' (children): the pass gives [0, 1], the declarations give [0, 1, 2]", TranslationValidator.FirstDifference(expected, extra));
        Assert.Null(TranslationValidator.FirstDifference(expected, expected with { Origin = new DeclRef("global::Demo.Elsewhere", "conv", 0), Class = "global::Demo.Other" }));
    }

    private static LayerNode Replace(LayerNode root, LayerNode target, LayerNode replacement)
        => ReferenceEquals(root, target) ? replacement
            : root with { Children = root.Children.Select(c => Replace(c, target, replacement)).ToEquatableArray() };

    /// <summary>The bottleneck with its squeeze convolution marked [PiXSqueeze] (followers nullable, as the marker requires).</summary>
    private const string MarkedBottleneck = """
        [Block, Residual(When = "in == oup")]
        public partial class Bottleneck
        {
            [Arg] readonly int mid;
            [Arg] readonly int oup;
            [Conv2d("mid", Kernel = 1, Bias = false), PiXSqueeze{0}] readonly PiXGen.PiX.PiXLayer reduce;
            [BatchNorm2d] readonly BatchNorm2d? bn1;
            [ReLU] readonly ReLU? relu1;
            [Conv2d("oup", Kernel = 3, Padding = 1, Bias = false)] readonly Conv2d conv;
            [BatchNorm2d] readonly BatchNorm2d bn2;
            [ReLU(AfterAdd = true)] readonly ReLU relu;
        }
        """;

    [Theory]
    [InlineData("", 0, "0.5", true)]
    [InlineData("(Zeta = \"in / mid\", Tau = 0.25, WithNormAndActivation = false)", -1, "0.25", false)]
    public void A_PiXSqueeze_network_is_exactly_the_network_the_pass_computes_from_its_markers(string marker, int zeta, string tau, bool followers)
    {
        // The markers are decisions on every instance of the marked convolution of the dense network (the same
        // declarations without the markers); the generator's network, emitted from the marker-rewritten block, is the
        // pass's. The decisions are written out here from the dense IR, not read from MarkerDecisions.
        var source = MarkedBottleneck.Replace("{0}", marker) + Net(Repeated).Substring(Bottleneck.Length);
        var d = Declare(source);
        Assert.DoesNotContain(d.Run.GeneratorDiagnostics, x => x.Id is "PIX9999" or "PIX0301");
        d.Run.AssertCompilesCleanly();
        var options = Options with { Tau = tau, WithNormAndActivation = followers };
        var decided = new[] { "body.0.reduce", "body.1.reduce" }.ToDictionary(p => p,
            p => new PiXRewriter.PiXAction(false, zeta < 0 ? (int)(Layer(d.Dense, p).GetInt("InChannels") / Layer(d.Dense, p).GetInt("OutChannels")) : zeta, options));
        var expected = PiXPass.Run(d.Dense, decided, Options);
        Assert.Null(TranslationValidator.FirstDifference(expected, d.Generated));
        Assert.Equal(2, Walk(d.Generated).Count(n => n.Is(DefinedKind.PiX)));
        Assert.Equal(followers, !Has(d.Generated, "body.0.bn1"));
        if (zeta < 0) Assert.Equal(new[] { "4", "2" }, Walk(d.Generated).Where(n => n.Is(DefinedKind.PiX)).Select(n => n.Get("Zeta")));
        // The generator's own decisions are these.
        var zetas = new Dictionary<string, long>();
        var diagnostics = new List<DiagnosticInfo>();
        var dense = ShapeInference.Run(d.Network, d.Blocks, diagnostics, zetas);
        Assert.Equal(decided.OrderBy(x => x.Key), PiXRewriter.MarkerDecisions(d.Network, d.Blocks, dense!, zetas, diagnostics).OrderBy(x => x.Key));
        Assert.Empty(diagnostics);
    }

    [Theory]
    [InlineData("downscale")]
    [InlineData("pix")]
    public void Decisions_reach_branch_members_nested_ones_too_and_the_declarations_follow(string kind)
    {
        var d = Declare("""
            [Network(Input = "32x8x8"), Variants]
            public partial class Forked
            {
                [Conv2d(16, Kernel = 1)] readonly Module<Tensor, Tensor> squeeze;   // fields that can hold a PiX layer
                [Branch("a")] [Conv2d(8, Kernel = 1)] readonly Module<Tensor, Tensor> a;
                [Branch("b")] [Conv2d(8, Kernel = 3, Padding = 1)] readonly Conv2d b;
                [Branch("b/x")] [Conv2d(4, Kernel = 1)] readonly Module<Tensor, Tensor> bx;
                [Branch("b/y")] [Conv2d(8, Kernel = 1)] readonly Conv2d by;
            }
            """.Replace("Module<Tensor, Tensor>", "TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>"),
            new Dictionary<string, string> { ["build_property.PiXGenVariant"] = kind });
        // downscale: every ungrouped convolution whose input ζ = 2 divides; pix: the squeezes 32→16, 16→8 and 8→4.
        var expected = kind == "downscale" ? new[] { "a", "b", "bx", "by", "squeeze" } : new[] { "a", "bx", "squeeze" };
        Assert.Equal(expected, Variant(d, kind).Keys.OrderBy(k => k, System.StringComparer.Ordinal));
        // The specialised declarations are the pass's network (translation validation), and compile.
        Assert.DoesNotContain(d.Run.GeneratorDiagnostics, x => x.Id == "PIX9999");
        d.Run.AssertCompilesCleanly();
        var pix = Walk(d.Generated).Where(n => n.Is(DefinedKind.PiX)).Select(n => n.Path).OrderBy(p => p, System.StringComparer.Ordinal);
        Assert.Equal(kind == "downscale" ? expected.Select(p => p + "_pix") : expected, pix);
        Assert.Null(TranslationValidator.FirstDifference(PiXPass.Run(d.Dense, Variant(d, kind), Options), d.Generated));
    }
}

/// <summary>Translation validation in the generator: the module is emitted only when its declarations are the pass's network.</summary>
public class TranslationValidationTests
{
    [Fact]
    public void Conditional_followers_are_removed_in_the_instances_that_have_them()
    {
        // The BatchNorm exists in one instance only; the specialiser removes the followers the pass removes, per instance
        // (it used to remove unconditional followers alone and keep this BatchNorm after the PiX).
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Squeeze
            {
                [Arg] readonly bool norm;
                [Conv2d(8, Kernel = 1, Bias = false)] readonly Conv2d conv;
                [BatchNorm2d(When = "norm")] readonly BatchNorm2d? bn;
                [ReLU] readonly ReLU relu;
            }
            [Network(Input = "32x8x8"), SubstitutePiX]
            public partial class Cond
            {
                [Use(typeof(Squeeze), "norm: true")] [Conv2d(32, Kernel = 3, Padding = 1)] [Use(typeof(Squeeze), "norm: false")] readonly Sequential body;
                [Flatten] readonly Flatten flatten;
            }
            """)).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        var ir = run.Result.TrackedSteps[PiXGenGenerator.Steps.AnalyseNetworks].SelectMany(s => s.Outputs).Select(o => (GenerationResult)o.Value).Single().Network!;
        var blocks = ir.Children[0].Children;
        Assert.Equal(new[] { "conv" }, blocks[0].Children.Select(c => c.Name));
        Assert.Equal(new[] { "conv" }, blocks[2].Children.Select(c => c.Name));
        Assert.All(new[] { blocks[0], blocks[2] }, b => Assert.True(b.Children[0].Is(DefinedKind.PiX), $"{b.Children[0].Path} is {b.Children[0].Op}"));
    }

    [Fact]
    public void A_padded_1x1_convolution_marked_PiXSqueeze_is_an_error_at_the_marker_naming_the_padding()
    {
        // The marker used to rewrite the declaration unchecked: PiX kept the 8x8 map the convolution grows to 10x10.
        // Only the instance with padding is refused, and the error names it.
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Marked
            {
                [Arg] readonly int pad;
                [Conv2d(8, Kernel = 1, Padding = "pad"), PiXSqueeze(WithNormAndActivation = false)] readonly PiXGen.PiX.PiXLayer squeeze;
                [Conv2d(32, Kernel = 1)] readonly Conv2d expand;
            }
            [Network(Input = "32x8x8")]
            public partial class Padded
            {
                [Use(typeof(Marked), "pad: 0")] readonly Marked a;
                [Use(typeof(Marked), "pad: 1")] readonly Marked b;
            }
            """));
        var error = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0301");
        var message = error.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("Padded.b.squeeze: cannot replace this convolution by PiX: its padding is 1; a padded 1x1 convolution grows the map, PiX keeps its size", message);
        Assert.Equal("PiXSqueeze(WithNormAndActivation = false)", error.Location.SourceTree!.GetText().ToString(error.Location.SourceSpan));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "PIX9999");
        run.AssertCompilesWithoutErrors();
    }

    [Theory]
    [InlineData("2", "Zeta 2 makes 16 channels from C_in 32, the convolution makes C_out 8")]
    [InlineData("0", "its Zeta is 0; ζ must be at least 1")]
    public void An_explicit_zeta_that_changes_the_output_channels_is_an_error_at_the_marker(string zeta, string reason)
    {
        var run = GeneratorHarness.Run(Src($$"""
            [Network(Input = "32x8x8")]
            public partial class Bad
            {
                [Conv2d(8, Kernel = 1), PiXSqueeze(Zeta = {{zeta}}, WithNormAndActivation = false)] readonly PiXGen.PiX.PiXLayer squeeze;
                [Conv2d(4, Kernel = 3)] readonly Conv2d conv;
            }
            """));
        var error = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "PIX0301");
        Assert.Contains("Bad.squeeze: cannot replace this convolution by PiX: " + reason, error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "PIX9999");
        run.AssertCompilesWithoutErrors();
    }

    [Fact]
    public void A_marker_on_a_branch_member_takes_its_followers_from_its_own_branch_only()
    {
        // The marked convolution ends branch 'a'; the BatchNorm opening branch 'b' is not its follower (the pass keeps it,
        // and so must the marker's rewrite).
        var run = GeneratorHarness.Run(Src("""
            [Network(Input = "32x8x8")]
            public partial class Forked
            {
                [Branch("a")] [Conv2d(8, Kernel = 1), PiXSqueeze] readonly PiXGen.PiX.PiXLayer a;
                [Branch("b")] [BatchNorm2d] readonly BatchNorm2d bn;
                [Branch("b")] [Conv2d(8, Kernel = 3, Padding = 1)] readonly Conv2d b;
                [Flatten] readonly Flatten flatten;
            }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        var ir = run.Result.TrackedSteps[PiXGenGenerator.Steps.AnalyseNetworks].SelectMany(s => s.Outputs).Select(o => (GenerationResult)o.Value).Single().Network!;
        var branches = ir.Children[0].Children;
        Assert.Equal(new[] { (LayerKind.Defined, "PiX") }, branches[0].Children.Select(c => (c.Layer!.Value, c.Op)));
        Assert.Equal(new[] { "BatchNorm2d", "Conv2d" }, branches[1].Children.Select(c => c.Op));
    }

    [Fact]
    public void Fuzz_marker_on_a_branch_member_inside_a_block_reaches_the_pass()
    {
        // Fuzz seed 11, case 3702 (and 143 like it): a [PiXSqueeze] on a branch member of a block used in a Sequential.
        // The pass looked for decisions below a node by path prefix, and a branch node's path ('stage.0.b0') is not a
        // prefix of its members' ('stage.0.squeeze'), so the pass kept the convolution that the marker's rewrite
        // replaced: translation validation stopped the build with PIX9999.
        var run = GeneratorHarness.Run(Src("""
            [Block, Dense]
            public partial class Forks
            {
                [Arg] readonly int planes;
                [Branch("b0")] [Conv2d("planes * 4", Kernel = 1, Bias = false)] [BatchNorm2d] [ReLU] readonly Sequential expand;
                [Branch("b0")] [Conv2d("planes", Kernel = 1, Bias = false), PiXSqueeze] readonly PiXGen.PiX.PiXLayer squeeze;
                [Branch("b0")] [BatchNorm2d] readonly BatchNorm2d? bn;
                [Branch("b1")] [Conv2d("planes", Kernel = 1)] readonly Conv2d other;
            }
            [Network(Input = "8x8x8")]
            public partial class Net
            {
                [Use(typeof(Forks), "planes: 4", Count = 2)] readonly Sequential stage;
                [Flatten] readonly Flatten flatten;
            }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        var ir = run.Result.TrackedSteps[PiXGenGenerator.Steps.AnalyseNetworks].SelectMany(s => s.Outputs).Select(o => (GenerationResult)o.Value).Single().Network!;
        var pix = Flatten(ir).Where(n => n.Is(DefinedKind.PiX)).Select(n => n.Path).ToList();
        Assert.Equal(new[] { "stage.0.squeeze", "stage.1.squeeze" }, pix);
        Assert.DoesNotContain(Flatten(ir), n => n.Path is "stage.0.bn" or "stage.1.bn"); // its follower went with it

        static System.Collections.Generic.IEnumerable<LayerNode> Flatten(LayerNode n) => new[] { n }.Concat(n.Children.SelectMany(Flatten));
    }

    [Fact]
    public void A_marked_convolution_with_a_conditional_follower_loses_it_in_the_instances_that_have_it()
    {
        // As for [SubstitutePiX]: the pass removes the BatchNorm where an instance has it, and so does the marker's rewrite
        // (it used to remove unconditional followers alone, which translation validation now rejects).
        var run = GeneratorHarness.Run(Src("""
            [Block]
            public partial class Squeeze
            {
                [Arg] readonly bool norm;
                [Conv2d(8, Kernel = 1, Bias = false), PiXSqueeze] readonly PiXGen.PiX.PiXLayer conv;
                [BatchNorm2d(When = "norm")] readonly BatchNorm2d? bn;
                [ReLU] readonly ReLU? relu;
            }
            [Network(Input = "32x8x8")]
            public partial class Cond
            {
                [Use(typeof(Squeeze), "norm: true")] [Conv2d(32, Kernel = 3, Padding = 1)] [Use(typeof(Squeeze), "norm: false")] readonly Sequential body;
                [Flatten] readonly Flatten flatten;
            }
            """)).AssertCompilesCleanly();
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning);
        var ir = run.Result.TrackedSteps[PiXGenGenerator.Steps.AnalyseNetworks].SelectMany(s => s.Outputs).Select(o => (GenerationResult)o.Value).Single().Network!;
        var blocks = ir.Children[0].Children;
        Assert.All(new[] { blocks[0], blocks[2] }, b => Assert.Equal(new[] { (LayerKind.Defined, "PiX") }, b.Children.Select(c => (c.Layer!.Value, c.Op))));
    }

    [Fact]
    public void A_padded_1x1_convolution_is_not_a_squeeze()
    {
        // Its PiX would keep the size the convolution grows by 2: a network other than the dense one with the layer replaced.
        // Translation validation stopped it (PIX9999 at 'conv', input shape 8x10x10 against 8x8x8); the decision now refuses it.
        const string Padded = """
            [Network(Input = "32x8x8"), SubstitutePiX{0}]
            public partial class Padded
            {
                [Conv2d(8, Kernel = 1, Padding = 1)] readonly TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> squeeze;
                [Conv2d(4, Kernel = 3)] readonly Conv2d conv;
                [Flatten] readonly Flatten flatten;
            }
            """;
        var automatic = GeneratorHarness.Run(Src(Padded.Replace("{0}", ""))).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        Assert.Equal("Padded: PiX replaced 0 convolution(s): none",
            Assert.Single(automatic.GeneratorDiagnostics, d => d.Id == "PIX0300").GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        var included = GeneratorHarness.Run(Src(Padded.Replace("{0}", "(Include = new[] { \"squeeze\" })")));
        var error = Assert.Single(included.GeneratorDiagnostics, d => d.Id == "PIX0301");
        Assert.Contains("Padded.squeeze", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("its padding is 1", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(included.GeneratorDiagnostics, d => d.Id == "PIX9999");
    }
}
