using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using PiXGen.Generators;

namespace PiXGen.Tests;

/// <summary>
/// Compiles C# source in memory against the package the way a user's project does: the platform assemblies, TorchSharp,
/// PiXGen and the zoo as references, and the PiXGen generator run over it (as in tests/PiXGen.Fuzz/InMemoryCompiler.cs).
/// Nothing is emitted or run; the result is the compiler's errors.
/// </summary>
internal static class SnippetCompiler
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    /// <summary>The usings a user program of the docs would have (a snippet may add its own).</summary>
    public const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using TorchSharp;
        global using TorchSharp.Modules;
        global using static TorchSharp.torch;
        global using PiXGen;
        global using PiXGen.Zoo;
        global using PiXGen.Checkpoints;
        global using PiXGen.Costs;
        global using PiXGen.Graph;
        global using PiXGen.PiX;
        global using Tensor = TorchSharp.torch.Tensor;
        """;

    private static readonly Lazy<CSharpCompilation> Empty = new(() =>
    {
        var tpa = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var refs = tpa.Append(typeof(NetworkAttribute).Assembly.Location)
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Append(typeof(PiXGen.Zoo.ResNet18).Assembly.Location)
            .GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()));
        return CSharpCompilation.Create("PiXGenSnippet", Array.Empty<SyntaxTree>(), refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                allowUnsafe: true,
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CS1701"] = ReportDiagnostic.Suppress, ["CS1702"] = ReportDiagnostic.Suppress }));
    });

    /// <summary>The errors (C# and PiXGen's) of <paramref name="sources"/> compiled together with <see cref="GlobalUsings"/>;
    /// <paramref name="executable"/> compiles as a program (top-level statements allowed).</summary>
    public static IReadOnlyList<Diagnostic> Errors(IEnumerable<(string Path, string Text)> sources, bool executable = false)
    {
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, Parse, path: s.Path))
            .Append(CSharpSyntaxTree.ParseText(GlobalUsings, Parse, path: "GlobalUsings.cs"));
        var compilation = Empty.Value.AddSyntaxTrees(trees);
        if (executable) compilation = compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));
        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new PiXGenGenerator().AsSourceGenerator() }, parseOptions: Parse);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var result = driver.GetRunResult().Results.Single();
        if (result.Exception is { } ex) throw new InvalidOperationException("the generator threw: " + ex, ex);
        return generatorDiagnostics.Concat(output.GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .ToList();
    }

    /// <summary>"path(line,col): ID message" per diagnostic.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join("\n", diagnostics.Select(d =>
        {
            var span = d.Location.GetLineSpan();
            return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
        }));
}
