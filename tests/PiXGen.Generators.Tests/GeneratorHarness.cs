using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PiXGen.Generators.Tests;

/// <summary>One generated file: its hint name and text.</summary>
public sealed record GeneratedFile(string HintName, string Text);

/// <summary>Everything one generator run produced.</summary>
public sealed class GeneratorRun
{
    public GeneratorRun(CSharpCompilation input, GeneratorDriver driver, Compilation output, ImmutableArray<Diagnostic> generatorDiagnostics)
    {
        Input = input;
        Driver = driver;
        Output = output;
        GeneratorDiagnostics = generatorDiagnostics;
        Result = driver.GetRunResult().Results.Single();
        Files = Result.GeneratedSources.Select(s => new GeneratedFile(s.HintName, s.SourceText.ToString()))
            .OrderBy(f => f.HintName, StringComparer.Ordinal).ToList();
    }

    public CSharpCompilation Input { get; }

    /// <summary>The driver after the run; run it again (with another compilation) to test incrementality.</summary>
    public GeneratorDriver Driver { get; }

    /// <summary>Input plus generated trees.</summary>
    public Compilation Output { get; }

    /// <summary>Diagnostics the generator reported (PIX....), after #pragma / options filtering.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

    public GeneratorRunResult Result { get; }

    public IReadOnlyList<GeneratedFile> Files { get; }

    /// <summary>The generated file with this hint name (fails when absent).</summary>
    public GeneratedFile File(string hintName)
        => Files.SingleOrDefault(f => f.HintName == hintName)
           ?? throw new Xunit.Sdk.XunitException($"no generated file '{hintName}'; generated: {string.Join(", ", Files.Select(f => f.HintName))}");

    /// <summary>Warnings and errors of the output compilation (hidden and info diagnostics dropped).</summary>
    public IReadOnlyList<Diagnostic> CompilationProblems()
        => Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed).ToList();

    public IEnumerable<Diagnostic> GeneratorErrors => GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Asserts the input plus the generated code compiles with zero warnings and zero errors.</summary>
    public GeneratorRun AssertCompilesCleanly()
    {
        var problems = CompilationProblems();
        if (problems.Count > 0)
            throw new Xunit.Sdk.XunitException("The output compilation has warnings or errors:\n" + Describe(problems) + "\n\nGenerated:\n" + DumpFiles());
        return this;
    }

    /// <summary>Asserts the output compilation has no errors (warnings allowed: used where the input itself is odd).</summary>
    public GeneratorRun AssertCompilesWithoutErrors()
    {
        var errors = CompilationProblems().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
            throw new Xunit.Sdk.XunitException("The output compilation has errors:\n" + Describe(errors) + "\n\nGenerated:\n" + DumpFiles());
        return this;
    }

    /// <summary>
    /// Generator diagnostics that are problems (warnings, errors) or informational messages of the PIX0001–PIX0199
    /// declaration/shape catalogue. Informational reports of other features (e.g. the PIX02xx cost summaries
    /// every network gets) are not problems and are left to those features' tests.
    /// </summary>
    public IReadOnlyList<Diagnostic> RelevantGeneratorDiagnostics(string? alsoId = null)
        => GeneratorDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning || d.Id == alsoId || IsCoreInfo(d.Id)).ToList();

    private static bool IsCoreInfo(string id)
        => id.StartsWith("PIX", StringComparison.Ordinal) && int.TryParse(id.Substring(3), out var n) && n < 200;

    /// <summary>Asserts the generator reported no warning, no error and no declaration/shape message.</summary>
    public GeneratorRun AssertNoGeneratorDiagnostics()
    {
        var relevant = RelevantGeneratorDiagnostics();
        if (relevant.Count > 0)
            throw new Xunit.Sdk.XunitException("Unexpected generator diagnostics:\n" + Describe(relevant));
        return this;
    }

    public string DumpFiles() => string.Join("\n", Files.Select(f => $"==== {f.HintName}\n{f.Text}"));

    public static string Describe(IEnumerable<Diagnostic> diagnostics) => string.Join("\n", diagnostics.Select(d => d.ToString()));
}

/// <summary>
/// Runs <see cref="PiXGenGenerator"/> over C# sources the way the compiler does: references are the
/// test process's trusted platform assemblies plus TorchSharp and PiXGen, nullable enabled, a library.
/// </summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(LoadReferences);

    // One empty compilation whose reference set every test shares: AddSyntaxTrees on it reuses the bound references.
    private static readonly Lazy<CSharpCompilation> Empty = new(() => CSharpCompilation.Create("PiXGenTestInput",
        Array.Empty<SyntaxTree>(), LazyReferences.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
            // The SDK's default NoWarn: assembly-unification notes, not problems of the code under test.
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
            {
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            })));

    public static ImmutableArray<MetadataReference> References => LazyReferences.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        foreach (var p in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)) paths.Add(p);
        paths.Add(typeof(PiXGen.NetworkAttribute).Assembly.Location);
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        // Keep one reference per assembly name (the TPA list never repeats one, but the two additions may).
        return paths.GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToImmutableArray();
    }

    /// <summary>Parses sources as files "Input0.cs", "Input1.cs", ...</summary>
    public static SyntaxTree[] Parse(params string[] sources)
        => sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Input{i}.cs")).ToArray();

    public static CSharpCompilation Compile(params string[] sources) => Empty.Value.AddSyntaxTrees(Parse(sources));

    /// <summary>
    /// A generator driver with these MSBuild properties; the tests build with the translation check on
    /// (<c>PiXGenCheckTranslation</c>, every PiX rewrite checked against the PiX pass) unless the properties say otherwise.
    /// </summary>
    public static GeneratorDriver CreateDriver(IDictionary<string, string>? properties = null)
    {
        var all = new Dictionary<string, string> { [CheckTranslationKey] = "true" };
        foreach (var kv in properties ?? new Dictionary<string, string>()) all[kv.Key] = kv.Value;
        return CSharpGeneratorDriver.Create(new[] { new PiXGenGenerator().AsSourceGenerator() }, additionalTexts: null, parseOptions: ParseOptions,
            optionsProvider: new GlobalOptionsProvider(all),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
    }

    /// <summary>The analyzer-config key of the translation check's MSBuild property.</summary>
    public const string CheckTranslationKey = "build_property." + PiXGen.Generators.Model.BuildOptions.CheckTranslationProperty;

    /// <summary>Runs the generator with MSBuild properties (keys like <c>build_property.PiXGenVariant</c>).</summary>
    public static GeneratorRun RunWith(IDictionary<string, string> properties, params string[] sources)
        => Run(CreateDriver(properties), Compile(sources));

    /// <summary>Runs the generator once over <paramref name="sources"/>.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(Compile(sources));

    public static GeneratorRun Run(CSharpCompilation compilation) => Run(CreateDriver(), compilation);

    /// <summary>Runs <paramref name="driver"/> (fresh or from an earlier run) over <paramref name="compilation"/>.</summary>
    public static GeneratorRun Run(GeneratorDriver driver, CSharpCompilation compilation)
    {
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var run = new GeneratorRun(compilation, driver, output, diagnostics);
        if (run.Result.Exception is { } ex)
            throw new Xunit.Sdk.XunitException("The generator threw (the compiler would report CS8785): " + ex);
        return run;
    }
}
