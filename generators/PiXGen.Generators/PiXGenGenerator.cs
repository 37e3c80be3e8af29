using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using PiXGen.Generators.Analysis;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Emit;
using PiXGen.Generators.Model;
using PiXGen.Generators.Parsing;

namespace PiXGen.Generators;

/// <summary>The result of analysing and emitting one class: plain values only, so steps cache.</summary>
public sealed record GenerationResult(
    string HintName,
    string? Source,
    EquatableArray<DiagnosticInfo> Diagnostics,
    CatalogEntry? Catalog,
    LayerNode? Network,
    /// <summary>Networks: the cost file (constants, per-layer report, CostFor), or null.</summary>
    string? CostSource = null,
    /// <summary>Networks: what the cost diagnostics need (Analysis/CostModel), or null.</summary>
    CostSummary? Cost = null,
    /// <summary>Networks: the dataflow graph file (Emit/GraphEmitter), or null when some part has a hand-written forward.</summary>
    string? GraphSource = null,
    /// <summary>Networks with PiX layers: the fused CUDA kernels (Emit/CudaWiring), or null.</summary>
    string? CudaSource = null)
{
    public string CudaHintName => GraphHintName.Replace(".Graph.g.cs", ".Cuda.g.cs");

    public string GraphHintName => HintName.EndsWith(".g.cs", System.StringComparison.Ordinal)
        ? HintName.Substring(0, HintName.Length - ".g.cs".Length) + ".Graph.g.cs"
        : HintName + ".Graph.g.cs";

    public string CostHintName => HintName.EndsWith(".g.cs", System.StringComparison.Ordinal)
        ? HintName.Substring(0, HintName.Length - ".g.cs".Length) + ".Costs.g.cs"
        : HintName + ".Costs.g.cs";
}

/// <summary>The files one class generates, as (hint name, text) pairs: what the source output needs and nothing else.</summary>
public sealed record GeneratedSources(EquatableArray<(string Hint, string Text)> Files)
{
    public static GeneratedSources Of(GenerationResult r)
    {
        var files = new List<(string, string)>();
        if (r.Source is not null)
        {
            files.Add((r.HintName, r.Source));
            if (r.CostSource is not null) files.Add((r.CostHintName, r.CostSource));
            if (r.GraphSource is not null) files.Add((r.GraphHintName, r.GraphSource));
            if (r.CudaSource is not null) files.Add((r.CudaHintName, r.CudaSource));
        }
        return new GeneratedSources(files.ToEquatableArray());
    }
}

/// <summary>
/// The PiXGen incremental generator. Pipeline (each step named for incrementality tests):
/// <c>ParseNetworks</c>/<c>ParseBlocks</c> (Parsing/) → <c>Blocks</c> (all block declarations) →
/// <c>AnalyseNetworks</c>/<c>AnalyseBlocks</c> (Analysis/ + Emit/) → source output; <c>CostOptions</c> (the
/// PiXGen* MSBuild properties) → <c>CostDiagnostics</c> (per network: the PIX0200 report and budgets);
/// diagnostics are reported from a separate output that maps their plain locations back onto the syntax trees.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PiXGenGenerator : IIncrementalGenerator
{
    public static class Steps
    {
        public const string ParseNetworks = nameof(ParseNetworks);
        public const string ParseBlocks = nameof(ParseBlocks);
        public const string Blocks = nameof(Blocks);
        public const string AnalyseNetworks = nameof(AnalyseNetworks);
        public const string AnalyseBlocks = nameof(AnalyseBlocks);
        public const string Catalog = nameof(Catalog);
        public const string CostOptions = nameof(CostOptions);
        public const string BuildOptions = nameof(BuildOptions);
        public const string Networks = nameof(Networks);
        public const string CostDiagnostics = nameof(CostDiagnostics);
        public const string LikeTargets = nameof(LikeTargets);
        public const string NetworkSources = nameof(NetworkSources);
        public const string BlockSources = nameof(BlockSources);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var networks = context.SyntaxProvider.ForAttributeWithMetadataName(DeclarationParser.NetworkAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => DeclarationParser.Parse(ctx, ClassKind.Network, ct))
            .WithTrackingName(Steps.ParseNetworks);
        var blocks = context.SyntaxProvider.ForAttributeWithMetadataName(DeclarationParser.BlockAttribute,
                static (node, _) => node is ClassDeclarationSyntax,
                static (ctx, ct) => DeclarationParser.Parse(ctx, ClassKind.Block, ct))
            .WithTrackingName(Steps.ParseBlocks);

        var allBlocks = blocks.Select(static (r, _) => r.Decl).Collect()
            .Select(static (decls, _) => decls.Where(d => d is not null).Select(d => d!).OrderBy(d => d.FullName, System.StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(Steps.Blocks);

        var buildOptions = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => ReadBuildOptions(provider.GlobalOptions))
            .WithTrackingName(Steps.BuildOptions);
        // Networks may reuse another network's declaration ([Network(Like = ...)]), so each sees them all.
        var allNetworks = networks.Select(static (r, _) => r.Decl).Collect()
            .Select(static (decls, _) => decls.Where(d => d is not null).Select(d => d!).OrderBy(d => d.FullName, System.StringComparer.Ordinal).ToEquatableArray())
            .WithTrackingName(Steps.Networks);
        // Only the networks another one reuses can change a network's analysis: editing any other network re-runs its own only.
        var likeTargets = allNetworks
            .Select(static (decls, _) => decls.Where(d => decls.Any(o => o.Like == d.FullName)).ToEquatableArray())
            .WithTrackingName(Steps.LikeTargets);
        var networkResults = networks.Combine(allBlocks).Combine(buildOptions).Combine(likeTargets)
            .Select(static (pair, ct) => Analyse(pair.Left.Left.Left, pair.Left.Left.Right, pair.Left.Right, pair.Right))
            .WithTrackingName(Steps.AnalyseNetworks);
        var blockResults = blocks.Combine(allBlocks)
            .Select(static (pair, ct) => Analyse(pair.Left, pair.Right))
            .WithTrackingName(Steps.AnalyseBlocks);

        // The generated files alone (no locations): moving a declaration re-runs its analysis but not the source output.
        context.RegisterSourceOutput(networkResults.Select(static (r, _) => GeneratedSources.Of(r)).WithTrackingName(Steps.NetworkSources),
            static (spc, r) => AddSource(spc, r));
        context.RegisterSourceOutput(blockResults.Select(static (r, _) => GeneratedSources.Of(r)).WithTrackingName(Steps.BlockSources),
            static (spc, r) => AddSource(spc, r));

        var catalog = networkResults.Select(static (r, _) => r.Catalog).Collect()
            .Select(static (entries, _) => entries.Where(e => e is not null).Select(e => e!).ToEquatableArray())
            .WithTrackingName(Steps.Catalog);
        context.RegisterSourceOutput(catalog, static (spc, entries) =>
        {
            if (entries.Count > 0) spc.AddSource(CatalogEmitter.HintName, CatalogEmitter.Emit(entries));
        });

        // Costs: the build options (MSBuild properties made compiler-visible by build/PiXGen.Costs.props) and,
        // per network, the report and budget diagnostics. Generated code does not depend on the options.
        var costOptions = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => ReadCostOptions(provider.GlobalOptions))
            .WithTrackingName(Steps.CostOptions);
        var costDiagnostics = networkResults.Select(static (r, _) => r.Cost).Combine(costOptions)
            .Select(static (pair, _) => CostDiagnosticsFor(pair.Left, pair.Right))
            .WithTrackingName(Steps.CostDiagnostics);
        var optionDiagnostics = costOptions.Select(static (o, _) => Analysis.CostDiagnostics.ForOptions(o));

        // Diagnostics need real locations (for #pragma and .editorconfig), so this output alone sees the compilation.
        var diagnostics = networkResults.Select(static (r, _) => r.Diagnostics).Collect()
            .Combine(blockResults.Select(static (r, _) => r.Diagnostics).Collect())
            .Combine(costDiagnostics.Collect().Combine(optionDiagnostics));
        context.RegisterSourceOutput(diagnostics.Combine(context.CompilationProvider), static (spc, input) =>
        {
            var (((networkDiagnostics, blockDiagnostics), (networkCosts, options)), compilation) = input;
            foreach (var d in DiagnosticInfo.OnePerCause(networkDiagnostics, blockDiagnostics, networkCosts.Append(options)))
                spc.ReportDiagnostic(d.ToDiagnostic(compilation));
        });
    }

    private static void AddSource(SourceProductionContext spc, GeneratedSources r)
    {
        foreach (var (hint, text) in r.Files) spc.AddSource(hint, text);
    }

    private static BuildOptions ReadBuildOptions(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
    {
        string? Get(string name) => options.TryGetValue("build_property." + name, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        return new BuildOptions(Get("PiXGenVariant"), Get("PiXGenZeta"), Get("PiXGenTarget"),
            string.Equals(Get(BuildOptions.CheckTranslationProperty)?.Trim(), "true", System.StringComparison.OrdinalIgnoreCase));
    }

    private static CostOptions ReadCostOptions(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
    {
        string? Get(string property)
            => options.TryGetValue("build_property." + property, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        return new CostOptions(Get(Analysis.CostDiagnostics.SeverityProperty), Get(Analysis.CostDiagnostics.MaxParametersProperty),
            Get(Analysis.CostDiagnostics.MaxMacsProperty));
    }

    /// <summary>The cost diagnostics of one network. Never throws: a failure becomes PIX9999.</summary>
    public static EquatableArray<DiagnosticInfo> CostDiagnosticsFor(CostSummary? summary, CostOptions options)
    {
        if (summary is null) return EquatableArray<DiagnosticInfo>.Empty;
        try
        {
            return Analysis.CostDiagnostics.ForNetwork(summary, options);
        }
        catch (System.Exception ex)
        {
            return new[] { DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, summary.Location, summary.Network,
                "cost diagnostics: " + ex.GetType().Name + ": " + ex.Message) }.ToEquatableArray();
        }
    }

    /// <summary>
    /// One class through the compiler's stages (docs/compiler.md): resolve [Network(Like)] → apply [PiXSqueeze] markers →
    /// validate → (networks) instantiate, then PiX substitution or the build-time variant as decisions made into one edit
    /// of the declarations, instantiated again (and, with <see cref="BuildOptions.CheckTranslation"/>, checked against the
    /// PiX pass) → emit the module, costs, graph and CUDA wiring. Each stage takes
    /// what the previous one made and returns what it makes. Never throws: failures become PIX9999.
    /// </summary>
    public static GenerationResult Analyse(ParseResult parsed, EquatableArray<ClassDecl> blockDecls, BuildOptions? options = null,
        EquatableArray<ClassDecl> networkDecls = default)
    {
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        var decl = parsed.Decl;
        if (decl is null)
            return new GenerationResult(parsed.TypeName + ".g.cs", null, diagnostics.ToEquatableArray(), null, null);
        try
        {
            var written = Resolve(decl, networkDecls, blockDecls, diagnostics);
            if (written is null)
                return Failed(decl, diagnostics);
            decl = PiXRewriter.ApplyMarkers(written, diagnostics);
            var blocks = MarkedBlocks(blockDecls);
            if (!DeclarationValidator.Validate(decl, blocks, diagnostics) || HasErrors(diagnostics))
                return Failed(decl, diagnostics);
            if (decl.Kind != ClassKind.Network)
                return Emit(new Built(decl, blocks, null, null, null, new List<ClassDecl>()), diagnostics);
            var built = Instantiate(written, decl, blockDecls, blocks, options ?? BuildOptions.Default, diagnostics);
            return built is null ? Failed(decl, diagnostics) : Emit(built, diagnostics);
        }
        catch (System.Exception ex)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, decl.Location, decl.FullName.Replace("global::", ""),
                ex.GetType().Name + ": " + ex.Message));
            return Failed(decl, diagnostics);
        }
    }

    /// <summary>
    /// What the stages make of one class: its declaration as emitted, the blocks it is emitted against (with the PiX
    /// variants of this network), its instantiated IR (networks), the dense network it derives from and that network's
    /// costs where already computed (the cost delta), and the block variants to emit nested in it.
    /// </summary>
    private sealed record Built(ClassDecl Decl, IReadOnlyDictionary<string, ClassDecl> Blocks, LayerNode? Ir, LayerNode? Dense,
        NetworkCost? DenseCost, List<ClassDecl> Variants);

    /// <summary>[Network(Like, With)] resolved to the declaration it reuses; the class itself otherwise; null after a diagnostic.</summary>
    private static ClassDecl? Resolve(ClassDecl decl, EquatableArray<ClassDecl> networkDecls, EquatableArray<ClassDecl> blockDecls,
        List<DiagnosticInfo> diagnostics)
    {
        if (decl.Like is null && decl.With is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedDeclaration, decl.With.Location, decl.Name,
                "With gives argument values to the declaration named by Like; add Like = typeof(TheFamily), or declare the arguments here"));
            return null;
        }
        return decl.Like is null ? decl : ReuseDeclaration(decl, networkDecls, blockDecls, diagnostics);
    }

    /// <summary>
    /// The blocks with their own [PiXSqueeze] markers applied. A block's marker diagnostics are reported by that block's own
    /// analysis, not once per network using it.
    /// </summary>
    private static Dictionary<string, ClassDecl> MarkedBlocks(EquatableArray<ClassDecl> blockDecls)
    {
        var blocks = new Dictionary<string, ClassDecl>();
        var ignored = new List<DiagnosticInfo>();
        foreach (var b in blockDecls) blocks[b.FullName] = PiXRewriter.ApplyMarkers(b, ignored);
        return blocks;
    }

    /// <summary>
    /// A network's IR: the declarations instantiated ([PiXSqueeze] markers decided on the unmarked network,
    /// <paramref name="written"/>, and with <see cref="BuildOptions.CheckTranslation"/> checked against the PiX pass);
    /// then [SubstitutePiX] or [Variants]. Null after a diagnostic.
    /// </summary>
    private static Built? Instantiate(ClassDecl written, ClassDecl decl, EquatableArray<ClassDecl> blockDecls, Dictionary<string, ClassDecl> blocks,
        BuildOptions options, List<DiagnosticInfo> diagnostics)
    {
        // [PiXSqueeze] somewhere: the declarations without the markers are the dense network. The markers are decisions on
        // its instances (eligibility per instance, PIX0301); with the translation check, the PiX pass computes the network
        // they make, and the marker-rewritten declarations must infer to it.
        LayerNode? markerDense = null, markerExpected = null;
        if (written.Members.Any(m => m.PiX is not null) || blockDecls.Any(b => b.Members.Any(m => m.PiX is not null)))
        {
            var unmarked = new Dictionary<string, ClassDecl>();
            foreach (var b in blockDecls) unmarked[b.FullName] = b;
            var zetas = new Dictionary<string, long>();
            markerDense = ShapeInference.Run(written, unmarked, diagnostics, zetas);
            if (markerDense is null)
                return null;
            var markerActions = PiXRewriter.MarkerDecisions(written, unmarked, markerDense, zetas, diagnostics);
            if (HasErrors(diagnostics))
                return null;
            if (options.CheckTranslation)
                markerExpected = PiXPass.Run(markerDense, markerActions, DefaultPiXOptions);
        }
        // PiX and variants decide per layer on the network's own items: inlined blocks are expanded first.
        if (decl.Substitution is not null || decl.Variants is not null)
            decl = ShapeInference.ExpandInline(decl, blocks, diagnostics) ?? decl;
        var ir = ShapeInference.Run(decl, blocks, diagnostics);
        if (ir is null)
            return null;
        if (markerExpected is not null && TranslationValidator.Validate(decl, markerExpected, ir) is { } markerMismatch)
        {
            diagnostics.Add(markerMismatch);
            return null;
        }
        if (decl.Variants is not null)
            return BuildVariant(decl, blocks, ir, options, diagnostics);
        if (decl.Substitution is not null)
            return Substitute(decl, blocks, ir, options, diagnostics);
        return new Built(decl, blocks, ir, markerDense, null, new List<ClassDecl>());
    }

    /// <summary>[SubstitutePiX]: decisions on the dense instance, then the specialised network. Null after a diagnostic.</summary>
    private static Built? Substitute(ClassDecl decl, IReadOnlyDictionary<string, ClassDecl> blocks, LayerNode dense, BuildOptions options,
        List<DiagnosticInfo> diagnostics)
    {
        var actions = PiXRewriter.Decisions(decl, dense, diagnostics);
        if (HasErrors(diagnostics))
            return null;
        var pix = Specialise(decl, blocks, dense, actions, decl.Substitution!.Options, decl.Substitution.Location, options.CheckTranslation, diagnostics);
        if (pix is null)
            return null;
        diagnostics.Add(PiXSummary(pix.Decl, pix.Ir!));
        return pix;
    }

    /// <summary>[Variants]: the variant pinned or chosen by the MSBuild properties, decided on the dense instance. Null after a diagnostic.</summary>
    private static Built? BuildVariant(ClassDecl decl, IReadOnlyDictionary<string, ClassDecl> blocks, LayerNode dense, BuildOptions options,
        List<DiagnosticInfo> diagnostics)
    {
        var choice = VariantSelector.Select(decl, options, diagnostics);
        if (choice is null)
            return null;
        var denseCost = CostModel.Compute(dense);
        var decided = VariantSelector.Decide(choice, decl, blocks, dense, denseCost.Macs, diagnostics);
        if (decided is null)
            return null;
        var built = decided.Value.Actions.Count == 0
            ? new Built(decl, blocks, dense, dense, denseCost, new List<ClassDecl>())
            : Specialise(decl, blocks, dense, decided.Value.Actions, DefaultPiXOptions, decl.Variants!.Location, options.CheckTranslation, diagnostics);
        if (built is null)
            return null;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VariantBuilt, decl.Variants!.Location, decl.Name,
            decided.Value.Label, decided.Value.Details));
        return built with { Decl = built.Decl with { BuiltVariant = decided.Value.Label }, DenseCost = denseCost };
    }

    /// <summary>
    /// PiX decisions (paths of the dense IR) made real as one edit of the declarations (blocks stay classes, names stay
    /// PyTorch's; PiXRewriter.Apply), which the module is emitted from and which are instantiated again for the checks
    /// and costs. With <paramref name="check"/> (<see cref="BuildOptions.CheckTranslation"/>) the PiX pass computes the
    /// network the decisions make on the dense IR alone, and the specialised declarations must infer to it
    /// (TranslationValidator, PIX9999 otherwise). Null after a diagnostic.
    /// </summary>
    private static Built? Specialise(ClassDecl network, IReadOnlyDictionary<string, ClassDecl> blocks, LayerNode dense,
        IReadOnlyDictionary<string, PiXRewriter.PiXAction> actions, PiXOptionsDecl options, LocationInfo? location, bool check,
        List<DiagnosticInfo> diagnostics)
    {
        var expected = check ? PiXPass.Run(dense, actions, options) : null;
        var result = PiXRewriter.Apply(network, blocks, dense, actions, options, location, diagnostics);
        var withVariants = new Dictionary<string, ClassDecl>();
        foreach (var kv in blocks) withVariants[kv.Key] = kv.Value;
        foreach (var v in result.Variants) withVariants[v.FullName] = v;
        DeclarationValidator.Validate(result.Network, withVariants, diagnostics);
        var inferred = HasErrors(diagnostics) ? null : ShapeInference.Run(result.Network, withVariants, diagnostics);
        if (inferred is null)
            return null;
        if (expected is not null && TranslationValidator.Validate(result.Network, expected, inferred) is { } mismatch)
        {
            diagnostics.Add(mismatch);
            return null;
        }
        return new Built(result.Network, withVariants, inferred, dense, null, result.Variants);
    }

    /// <summary>The module, and for a network its catalog entry, costs, cost diagnostics' summary, graph and CUDA wiring.</summary>
    private static GenerationResult Emit(Built built, List<DiagnosticInfo> diagnostics)
    {
        var (decl, blocks, ir) = (built.Decl, built.Blocks, built.Ir);
        var source = ModuleEmitter.Emit(decl, blocks, ir, built.Variants);
        if (ir is null)
            return new GenerationResult(ModuleEmitter.HintName(decl), source, Dedupe(diagnostics), null, null);
        var entry = new CatalogEntry(decl.CatalogName, decl.FullName, decl.BuiltVariant is not null);
        var cost = CostModel.Compute(ir);
        var costSource = CostEmitter.Emit(decl, ir, cost);
        var denseCost = built.Dense is null ? null : built.DenseCost ?? CostModel.Compute(built.Dense);
        if (denseCost is not null && denseCost.Macs == cost.Macs && denseCost.Parameters == cost.Parameters
            && denseCost.ActivationBytes == cost.ActivationBytes) denseCost = null;
        var summary = CostDiagnostics.Summarise(decl, ir, cost, denseCost);
        string? graphSource = null, cudaSource = null;
        var lowered = GraphEmitter.Lower(ir, cls => blocks.TryGetValue(cls, out var b) ? b.HasUserForward : cls == decl.FullName && decl.HasUserForward);
        if (lowered.Nodes is not null)
        {
            graphSource = GraphEmitter.Emit(decl, ir, lowered);
            cudaSource = CudaWiring.Emit(decl, lowered.Nodes);
        }
        return new GenerationResult(ModuleEmitter.HintName(decl), source, Dedupe(diagnostics), entry, ir, costSource, summary, graphSource, cudaSource);
    }

    /// <summary>
    /// A class whose declaration has errors still gets a minimal, compilable module (fields assigned, the constructor,
    /// forward and constants users call), so the build shows the PiXGen errors and not a cascade of C# errors and warnings.
    /// </summary>
    private static GenerationResult Failed(ClassDecl decl, List<DiagnosticInfo> diagnostics)
    {
        string? source = null;
        try { source = ModuleEmitter.EmitFallback(decl); }
        catch (System.Exception) { /* the errors are reported either way */ }
        return new GenerationResult(ModuleEmitter.HintName(decl), source, Dedupe(diagnostics), null, null);
    }

    /// <summary>[Network(Like = typeof(X))]: X's arguments, layers and residual under this network's name; PiXGen declares the fields.</summary>
    /// <summary>
    /// [Network(Like = typeof(X), With = "...")]: this network takes X's declaration — a network's, itself possibly
    /// reusing another (resolved first, its own With applied first), or a [Block]'s, a family body — with the With
    /// values as its arguments' defaults. Null after a diagnostic.
    /// </summary>
    private static ClassDecl? ReuseDeclaration(ClassDecl decl, EquatableArray<ClassDecl> networks, EquatableArray<ClassDecl> blocks,
        List<DiagnosticInfo> diagnostics, int depth = 0)
    {
        var source = networks.FirstOrDefault(n => n.FullName == decl.Like) ?? blocks.FirstOrDefault(b => b.FullName == decl.Like);
        string? problem =
            source is null ? $"'{decl.Like!.Replace("global::", "")}' is not a [Network] or [Block] (or has declaration errors)"
            : depth > 8 ? $"Like goes round in a circle through '{source.Name}'; point Like at the original declaration"
            : decl.Members.Count > 0 || decl.Args.Count > 0 || decl.Lets.Count > 0 ? "a network with Like declares no layers, [Arg] or [Let] fields of its own"
            : decl.HasResidual ? "a network with Like takes [Residual] from the network it reuses"
            : source.HasUserForward || source.HasUserDispose ? $"'{source.Name}' has a hand-written forward or Dispose, which another class cannot reuse" : null;
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedDeclaration, decl.AttributeLocation, decl.Name, problem));
            return null;
        }
        int errors = diagnostics.Count(IsError);
        if (source!.Like is not null)
        {
            source = ReuseDeclaration(source, networks, blocks, diagnostics, depth + 1);
            if (source is null) return null;
        }
        var args = source.Args;
        if (decl.With is { } with)
        {
            var where = $"{decl.Name} (With)";
            List<KeyValuePair<string, Expr>> given;
            try { given = Expr.ParseNamedArguments(with.Text); }
            catch (ExprException ex)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BadExpression, with.Location, where, ex.Message));
                return null;
            }
            var list = args.ToList();
            foreach (var kv in given)
            {
                int at = list.FindIndex(a => a.Name == kv.Key);
                if (at < 0)
                {
                    diagnostics.Add(DiagnosticInfo.UnknownArgument(with.Location, where, kv.Key, source.Name, list.Select(a => a.Name).ToList(), renameFix: false));
                    continue;
                }
                list[at] = list[at] with { Default = kv.Value.ToSource(n => n), Location = with.Location };
            }
            args = list.ToEquatableArray();
        }
        // A network is constructible without arguments: a family body's required arguments must be given by With.
        foreach (var a in args.Where(a => a.Default is null))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingParameter, decl.With?.Location ?? decl.AttributeLocation,
                $"{decl.Name} (Like {source.Name})", a.Name));
        if (diagnostics.Count(IsError) > errors) return null;
        return decl with
        {
            Input = decl.Input ?? source.Input,
            Args = args, Lets = source.Lets, Members = source.Members,
            HasResidual = source.HasResidual, ResidualWhen = source.ResidualWhen, Init = decl.Init ?? source.Init,
            Dense = source.Dense,
            DeclaresFields = true,
        };
    }

    private static readonly PiXOptionsDecl DefaultPiXOptions = new("0.5", 0, 0, false, true);

    private static bool HasErrors(List<DiagnosticInfo> diagnostics)
        => diagnostics.Any(IsError);

    private static bool IsError(DiagnosticInfo d) => DiagnosticDescriptors.ById(d.Id).DefaultSeverity == DiagnosticSeverity.Error;

    /// <summary>PIX0300: what network-wide substitution replaced, read back from the PiX network's IR.</summary>
    private static DiagnosticInfo PiXSummary(ClassDecl network, LayerNode ir)
    {
        var replaced = new List<string>();
        void Walk(LayerNode n)
        {
            if (n.Is(DefinedKind.PiX)) replaced.Add($"{n.Path} (ζ={n.Get("Zeta")})");
            foreach (var c in n.Children) Walk(c);
        }
        Walk(ir);
        return DiagnosticInfo.Create(DiagnosticDescriptors.PiXSubstituted, network.Substitution!.Location, network.Name,
            replaced.Count, replaced.Count == 0 ? "none" : string.Join(", ", replaced));
    }

    private static EquatableArray<DiagnosticInfo> Dedupe(List<DiagnosticInfo> diagnostics)
    {
        var seen = new HashSet<(string, LocationInfo?)>();
        return diagnostics.Where(d => seen.Add((d.Id, d.Location))).ToEquatableArray();
    }
}
