using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace PiXGen.Generators.Tests;

/// <summary>
/// The pipeline caches: re-running on an equal compilation, or after edits that do not touch a declaration,
/// leaves every named step (PiXGenGenerator.Steps) Cached/Unchanged, and no step output holds a Roslyn object.
/// </summary>
public class IncrementalityTests
{
    private static readonly string[] StepNames = typeof(PiXGenGenerator.Steps)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    private const string Helper = """
        namespace Demo;

        public static class Helper
        {
            public static int Twice(int x)
            {
                return x * 2;
            }
        }
        """;

    /// <summary>The zoo-like declarations plus a class after them in the same file, whose body later edits touch.</summary>
    private static readonly string Declarations = Sources.ResidualStages + """


        public static class Tail
        {
            public static int Three() => 3;
        }
        """;

    private static (GeneratorRun First, CSharpCompilation Compilation) FirstRun()
    {
        var compilation = GeneratorHarness.Compile(Declarations, Helper);
        var first = GeneratorHarness.Run(compilation).AssertNoGeneratorDiagnostics().AssertCompilesCleanly();
        // Every named step must have run, or the checks below would prove nothing.
        foreach (var name in StepNames)
            Assert.True(first.Result.TrackedSteps.ContainsKey(name), $"step '{name}' was not tracked; tracked: {string.Join(", ", first.Result.TrackedSteps.Keys)}");
        AssertNoRoslynObjects(first);
        return (first, compilation);
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string newText)
    {
        var old = compilation.SyntaxTrees[index];
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newText, GeneratorHarness.ParseOptions, old.FilePath));
    }

    private static void AssertAllCached(GeneratorRun first, GeneratorRun second)
    {
        foreach (var name in StepNames)
        {
            Assert.True(second.Result.TrackedSteps.TryGetValue(name, out var steps), $"step '{name}' did not run");
            foreach (var step in steps)
                foreach (var (value, reason) in step.Outputs)
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        $"step '{name}' output {reason}: {value}");
        }
        Assert.Equal(first.Files, second.Files);
        AssertNoRoslynObjects(second);
    }

    [Fact]
    public void SecondRunOnClonedCompilation_IsCached()
    {
        var (first, compilation) = FirstRun();
        AssertAllCached(first, GeneratorHarness.Run(first.Driver, compilation.Clone()));
    }

    [Fact]
    public void AddingAnUnrelatedSyntaxTree_IsCached()
    {
        var (first, compilation) = FirstRun();
        var edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText(
            "namespace Demo; public sealed class Unrelated { public int Value => 42; }", GeneratorHarness.ParseOptions, "Unrelated.cs"));
        AssertAllCached(first, GeneratorHarness.Run(first.Driver, edited));
    }

    [Fact]
    public void EditingAnUnrelatedMethodBody_IsCached()
    {
        var (first, compilation) = FirstRun();
        var edited = Replace(compilation, 1, Helper.Replace("return x * 2;", "var y = x + x;\n        return y;"));
        AssertAllCached(first, GeneratorHarness.Run(first.Driver, edited));
    }

    [Fact]
    public void EditingAMethodBodyAfterTheDeclarationsInTheSameFile_IsCached()
    {
        var (first, compilation) = FirstRun();
        var edited = Replace(compilation, 0, Declarations.Replace("=> 3;", "=> 1 + 2;"));
        AssertAllCached(first, GeneratorHarness.Run(first.Driver, edited));
    }

    [Fact]
    public void EditingAnAttributeArgumentOfANetwork_ModifiesItsAnalysis()
    {
        var (first, compilation) = FirstRun();
        var edited = Replace(compilation, 0, Declarations.Replace("[Arg(10)] readonly int numClasses;", "[Arg(12)] readonly int numClasses;"));
        var second = GeneratorHarness.Run(first.Driver, edited).AssertCompilesCleanly();
        Assert.Contains(Reasons(second, PiXGenGenerator.Steps.ParseNetworks), r => r == IncrementalStepRunReason.Modified);
        Assert.Contains(Reasons(second, PiXGenGenerator.Steps.AnalyseNetworks), r => r == IncrementalStepRunReason.Modified);
        // The blocks did not change.
        Assert.All(Reasons(second, PiXGenGenerator.Steps.Blocks), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.Contains("int numClasses = 12", second.File("Demo.MiniResNet.g.cs").Text);
        AssertNoRoslynObjects(second);
    }

    [Fact]
    public void EditingABlock_ModifiesTheNetworksUsingIt()
    {
        var (first, compilation) = FirstRun();
        var edited = Replace(compilation, 0, Declarations.Replace("[ReLU] readonly ReLU relu1;", "[SiLU] readonly SiLU relu1;"));
        var second = GeneratorHarness.Run(first.Driver, edited).AssertCompilesCleanly();
        Assert.Contains(Reasons(second, PiXGenGenerator.Steps.Blocks), r => r == IncrementalStepRunReason.Modified);
        Assert.Contains(Reasons(second, PiXGenGenerator.Steps.AnalyseNetworks), r => r == IncrementalStepRunReason.Modified);
        Assert.Contains(Reasons(second, PiXGenGenerator.Steps.AnalyseBlocks), r => r == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void EditingOneNetwork_ReRunsTheAnalysisOfThatNetworkOnly()
    {
        var compilation = GeneratorHarness.Compile(Declarations, Helper, Sources.TinyNet);
        var first = GeneratorHarness.Run(compilation).AssertNoGeneratorDiagnostics();
        Assert.Equal(2, first.Result.TrackedSteps[PiXGenGenerator.Steps.AnalyseNetworks].Length);
        var edited = Replace(compilation, 2, Sources.TinyNet.Replace("[Linear(10)]", "[Linear(12)]"));
        var second = GeneratorHarness.Run(first.Driver, edited).AssertCompilesCleanly();
        var analyses = second.Result.TrackedSteps[PiXGenGenerator.Steps.AnalyseNetworks];
        // One network's analysis ran again (TinyNet); the other's result came from the cache without running.
        Assert.Single(analyses, s => s.Outputs.Any(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Single(analyses, s => s.Outputs.All(o => o.Reason == IncrementalStepRunReason.Cached));
        Assert.Equal(first.File("Demo.MiniResNet.g.cs").Text, second.File("Demo.MiniResNet.g.cs").Text);
        Assert.Matches(@"nn\.Linear\(c[^,]*, 12\)", second.File("Demo.TinyNet.g.cs").Text);
    }

    [Fact]
    public void AnEditThatOnlyMovesADeclaration_DoesNotInvalidateItsGeneratedCode()
    {
        var (first, compilation) = FirstRun();
        var moved = Replace(compilation, 0, "// a comment and blank lines above the declarations\n\n\n" + Declarations);
        var second = GeneratorHarness.Run(first.Driver, moved).AssertCompilesCleanly();
        // The declarations moved (their locations changed), so they are parsed and analysed again ...
        Assert.Contains(Reasons(second, PiXGenGenerator.Steps.ParseNetworks), r => r == IncrementalStepRunReason.Modified);
        // ... but the generated files are equal, so the source outputs are not re-run.
        foreach (var step in new[] { PiXGenGenerator.Steps.NetworkSources, PiXGenGenerator.Steps.BlockSources })
            Assert.All(Reasons(second, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
        Assert.Equal(first.Files, second.Files);
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorRun run, string step)
        => run.Result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    // ---------------------------------------------------------------- no Roslyn objects in step outputs

    private static readonly Type[] Forbidden =
        { typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(Compilation), typeof(SemanticModel), typeof(Location) };

    private static void AssertNoRoslynObjects(GeneratorRun run)
    {
        foreach (var name in StepNames)
            if (run.Result.TrackedSteps.TryGetValue(name, out var steps))
                foreach (var step in steps)
                    for (int i = 0; i < step.Outputs.Length; i++)
                        Walk(step.Outputs[i].Value, $"{name}.Outputs[{i}]", new HashSet<object>(ReferenceEqualityComparer.Instance), 0);
    }

    private static void Walk(object? value, string path, HashSet<object> seen, int depth)
    {
        if (value is null) return;
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string || value is decimal || value is Type) return;
        foreach (var f in Forbidden)
            if (f.IsInstanceOfType(value))
                throw new Xunit.Sdk.XunitException($"{path} holds a {f.Name} ({type.FullName}); step outputs must be plain values");
        if (depth > 200) throw new Xunit.Sdk.XunitException($"{path}: nesting deeper than 200");
        if (!type.IsValueType && !seen.Add(value)) return;
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (var item in items) Walk(item, $"{path}[{i++}]", seen, depth + 1);
        }
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRef) continue;
                Walk(field.GetValue(value), $"{path}.{field.Name}", seen, depth + 1);
            }
    }

    /// <summary>The walker itself finds a Roslyn object nested in tuples, records and collections.</summary>
    [Fact]
    public void Walker_FindsNestedRoslynObjects()
    {
        var compilation = GeneratorHarness.Compile("class C { }");
        var nested = (1, new List<object> { "x", new { Inner = (object)compilation.SyntaxTrees[0].GetRoot() } });
        var ex = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Walk(nested, "value", new HashSet<object>(ReferenceEqualityComparer.Instance), 0));
        Assert.Contains(nameof(SyntaxNode), ex.Message);
        Walk((1, "plain", new[] { 1, 2 }), "plain", new HashSet<object>(ReferenceEqualityComparer.Instance), 0);
    }
}
