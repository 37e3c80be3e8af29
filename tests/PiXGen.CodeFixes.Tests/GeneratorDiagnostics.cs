using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PiXGen.Generators;
using PiXGen.Generators.Diagnostics;

namespace PiXGen.CodeFixes.Tests;

/// <summary>
/// Runs the generator on the analysed compilation and reports its diagnostics, so the testing library (which verifies
/// analyzer diagnostics) sees what the IDE shows from the generator. Informational reports (the cost line, the PiX
/// and variant summaries) are left out unless a severity setting raised them to a warning or an error.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GeneratorDiagnostics : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = DiagnosticDescriptors.Catalogue.ToImmutableArray();

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // Once per compilation; each diagnostic is reported from its own tree's semantic-model action, so it is a
            // local diagnostic (what the IDE offers a fix for).
            var all = new System.Lazy<ImmutableArray<Diagnostic>>(() => Run(start.Compilation, start.Options, start.CancellationToken));
            start.RegisterSemanticModelAction(m =>
            {
                foreach (var d in all.Value)
                    if (d.Location.SourceTree == m.SemanticModel.SyntaxTree) m.ReportDiagnostic(d);
            });
        });
    }

    private static ImmutableArray<Diagnostic> Run(Compilation compilation, AnalyzerOptions options, System.Threading.CancellationToken ct)
    {
        var driver = CSharpGeneratorDriver.Create(new[] { new PiXGenGenerator().AsSourceGenerator() },
            parseOptions: (CSharpParseOptions?)compilation.SyntaxTrees.FirstOrDefault()?.Options,
            optionsProvider: options.AnalyzerConfigOptionsProvider);
        // The workspace has run the generator already: analyse the user's trees only, as the compiler does.
        var source = compilation.RemoveSyntaxTrees(compilation.SyntaxTrees.Where(t => t.FilePath.Contains(nameof(PiXGenGenerator))));
        driver.RunGeneratorsAndUpdateCompilation(source, out _, out var diagnostics, ct);
        return diagnostics.Where(d => d.Id.StartsWith("PIX") && (d.Severity >= DiagnosticSeverity.Warning || d.DefaultSeverity >= DiagnosticSeverity.Warning))
            .ToImmutableArray();
    }
}
