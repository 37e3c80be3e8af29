using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PiXGen.Generators;

namespace PiXGen.Fuzz;

/// <summary>One generator run over a declaration: generated files, PiXGen's diagnostics and the output compilation.</summary>
public sealed class Generated
{
    public required Compilation Output { get; init; }
    public required ImmutableArray<Diagnostic> Diagnostics { get; init; }
    public required IReadOnlyDictionary<string, string> Files { get; init; }

    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>PiXGen's messages (id: text), sorted: what the build would print.</summary>
    public string[] Messages => Diagnostics.Select(d => d.Id + ": " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).OrderBy(m => m, StringComparer.Ordinal).ToArray();

    /// <summary>The assembly, emitted once (<see cref="InMemoryCompiler.Emit"/>).</summary>
    public byte[]? Image { get; set; }

    /// <summary>C# warnings and errors of the input plus the generated code (from the emit).</summary>
    public IReadOnlyList<Diagnostic> CompilerProblems { get; set; } = Array.Empty<Diagnostic>();
}

/// <summary>
/// Runs <see cref="PiXGenGenerator"/> in-process the way the compiler does (the test process's platform assemblies,
/// TorchSharp and PiXGen as references; MSBuild properties as global analyzer options), emits the result to memory
/// and loads it into a collectible <see cref="AssemblyLoadContext"/> that shares TorchSharp and PiXGen with the process.
/// </summary>
public static class InMemoryCompiler
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private static readonly Lazy<CSharpCompilation> Empty = new(() =>
    {
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var refs = tpa.Append(typeof(NetworkAttribute).Assembly.Location).Append(typeof(TorchSharp.torch).Assembly.Location)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()));
        return CSharpCompilation.Create("PiXGenFuzzCase", Array.Empty<SyntaxTree>(), refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                optimizationLevel: OptimizationLevel.Release,
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
    });

    /// <summary>Runs the generator over <paramref name="source"/> with MSBuild <paramref name="properties"/> (names without build_property.).</summary>
    public static Generated Generate(string source, IReadOnlyDictionary<string, string> properties)
    {
        var input = Empty.Value.AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, Parse, path: "Case.cs"));
        // The fuzzer builds with the translation check on: every PiX rewrite is also computed by the PiX pass on the IR.
        var values = new Dictionary<string, string> { ["build_property." + PiXGen.Generators.Model.BuildOptions.CheckTranslationProperty] = "true" };
        foreach (var p in properties) values["build_property." + p.Key] = p.Value;
        var options = new Options(values);
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new PiXGenGenerator().AsSourceGenerator() }, parseOptions: Parse, optionsProvider: options);
        driver = driver.RunGeneratorsAndUpdateCompilation(input, out var output, out var diagnostics);
        var result = driver.GetRunResult().Results.Single();
        if (result.Exception is { } ex) throw new InvalidOperationException("the generator threw (CS8785): " + ex, ex);
        return new Generated
        {
            Output = output,
            Diagnostics = diagnostics,
            Files = result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal),
        };
    }

    /// <summary>Emits the output compilation to memory, keeping its warnings and errors in <see cref="Generated.CompilerProblems"/>.</summary>
    public static void Emit(Generated generated)
    {
        using var pe = new MemoryStream();
        var emit = generated.Output.Emit(pe);
        generated.CompilerProblems = emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed).ToList();
        if (emit.Success) generated.Image = pe.ToArray();
    }

    /// <summary>Loads the emitted assembly into a fresh collectible context.</summary>
    public static (AssemblyLoadContext Context, Assembly Assembly) Load(Generated generated)
    {
        var context = new CaseContext();
        using var pe = new MemoryStream(generated.Image ?? throw new InvalidOperationException("the case did not compile"));
        return (context, context.LoadFromStream(pe));
    }

    /// <summary>Resolves nothing itself, so TorchSharp and PiXGen come from the default context (one copy, one native library).</summary>
    private sealed class CaseContext : AssemblyLoadContext
    {
        public CaseContext() : base("pixgen-fuzz-case", isCollectible: true) { }
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }

    private sealed class Options : AnalyzerConfigOptionsProvider
    {
        private readonly Values global;
        public Options(Dictionary<string, string> values) => global = new Values(values);
        public override AnalyzerConfigOptions GlobalOptions => global;
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Values.None;
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Values.None;

        private sealed class Values : AnalyzerConfigOptions
        {
            public static readonly Values None = new(new Dictionary<string, string>());
            private readonly Dictionary<string, string> values;
            public Values(Dictionary<string, string> values) => this.values = values;
            public override bool TryGetValue(string key, out string value)
            {
                bool found = values.TryGetValue(key, out var v);
                value = v!;
                return found;
            }
        }
    }
}
