using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;

namespace PiXGen.CodeFixes.Tests;

/// <summary>
/// A code-fix test: the source before (with the diagnostic marked), the source after, and both compiled with the
/// generator (its generated code included), so the fixed source must build without that diagnostic.
/// </summary>
public sealed class FixTest : CSharpCodeFixTest<GeneratorDiagnostics, PiXGenCodeFixProvider, DefaultVerifier>
{
    public FixTest() => Configure(this);

    /// <summary>
    /// The references (the running .NET's assemblies, PiXGen and TorchSharp: no reference-assembly package download)
    /// and the generator itself, so the generated code compiles with the source (a fix that makes generated code fail
    /// shows as a compiler error).
    /// </summary>
    public static void Configure(AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = new ReferenceAssemblies("net10.0");
        test.TestState.AdditionalReferences.AddRange(References.Value);
        test.SolutionTransforms.Add((solution, project) => solution.AddAnalyzerReference(project, Generator.Value));
        test.CompilerDiagnostics = CompilerDiagnostics.Errors;
    }

    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.") || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .ToList();
        paths.Add(typeof(PiXGen.NetworkAttribute).Assembly.Location);
        paths.Add(typeof(TorchSharp.torch).Assembly.Location);
        return paths.GroupBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First())).ToArray();
    });

    private static readonly Lazy<AnalyzerFileReference> Generator = new(() =>
        new AnalyzerFileReference(typeof(PiXGen.Generators.PiXGenGenerator).Assembly.Location, new Loader()));

    /// <summary>The generator's assembly is already loaded in the test process.</summary>
    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath) { }
        public System.Reflection.Assembly LoadFromPath(string fullPath)
            => AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => !a.IsDynamic && a.Location == fullPath) ?? System.Reflection.Assembly.LoadFrom(fullPath);
    }

    /// <summary>Applies the fix (the one with <paramref name="equivalenceKey"/>, else the first) to <paramref name="before"/> and expects <paramref name="after"/>.</summary>
    public static Task Run(string before, string after, DiagnosticResult[] expected, string? equivalenceKey = null)
    {
        var test = new FixTest { TestCode = before, FixedCode = after, CodeActionEquivalenceKey = equivalenceKey };
        // The fixed source is checked on its own: no diagnostic is carried over from the source before.
        test.FixedState.InheritanceMode = StateInheritanceMode.Explicit;
        test.FixedState.AdditionalReferences.AddRange(References.Value);
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>The diagnostic <paramref name="id"/> at markup location {|#0:…|}, additional locations not compared.</summary>
    public static DiagnosticResult At(string id, int markup = 0)
        => new DiagnosticResult(id, DiagnosticSeverity.Error).WithLocation(markup).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations | DiagnosticOptions.IgnoreSeverity);
}

