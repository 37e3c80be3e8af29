using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using PiXGen.Graph;
using PiXGen.Tests.Shared;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace PiXGen.Fuzz;

/// <summary>The differential oracles, by name (docs/reliability.md).</summary>
public static class Oracle
{
    public const string Warnings = "a: no warnings";
    public const string Shape = "b: output shape";
    public const string Parameters = "b: parameter count";
    public const string Macs = "b: MACs";
    public const string TwinCode = "c: twin code+costs+graph+messages";
    public const string TwinOutput = "c: twin outputs";
    public const string Graph = "d: GraphExecutor";
    public const string Onnx = "d: ONNX Runtime";
    public static readonly string[] All = { Warnings, Shape, Parameters, Macs, TwinCode, TwinOutput, Graph, Onnx };
}

/// <summary>What one case gave: valid or not, and each oracle's verdict (null message: passed).</summary>
public sealed class CaseResult
{
    public required FuzzCase Case { get; init; }
    public bool Valid { get; set; }
    public int Index { get; set; }
    public string? InvalidMessages { get; set; }
    /// <summary>Oracles that do not apply to this network (documented limits), with the reason.</summary>
    public List<(string Oracle, string Why)> NotApplicable { get; } = new();
    public string? InvalidBecause { get; set; }
    public Dictionary<string, string?> Verdicts { get; } = new(StringComparer.Ordinal);
    public IEnumerable<KeyValuePair<string, string?>> Mismatches => Verdicts.Where(v => v.Value is not null);
    public string Describe() => string.Join("\n", Mismatches.Select(m => $"[{m.Key}] {m.Value}")) + "\n--- reproducing declaration:\n" + Case;
}

/// <summary>Seconds spent per phase, over the process (the runner prints them).</summary>
public static class Timing
{
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, double> Seconds = new();
    public static void Add(string phase, System.Diagnostics.Stopwatch clock)
    {
        Seconds.AddOrUpdate(phase, clock.Elapsed.TotalSeconds, (_, s) => s + clock.Elapsed.TotalSeconds);
        clock.Restart();
    }
}

/// <summary>Runs one case through every oracle.</summary>
public static class Fuzzer
{
    private const string NetHint = "Demo.Net.g.cs";
    private static readonly string[] TwinFiles = { "Demo.Net.g.cs", "Demo.Net.Costs.g.cs", "Demo.Net.Graph.g.cs" };
    private static readonly string[] RespelledTwinFiles = { "Demo.Net.Costs.g.cs", "Demo.Net.Graph.g.cs" };

    /// <summary>The distinct ids of a generation's diagnostics, in order.</summary>
    private static IEnumerable<string> Ids(Generated g) => g.Diagnostics.Select(d => d.Id).Distinct().OrderBy(id => id, StringComparer.Ordinal);

    public static CaseResult Run(FuzzCase c, int seed = 0)
    {
        var result = new CaseResult { Case = c };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var dense = InMemoryCompiler.Generate(c.Source(unrolled: false), c.Properties);
        var twin = c.HasTwin ? InMemoryCompiler.Generate(c.Source(unrolled: true), c.Properties) : dense;
        Timing.Add("generate", clock);
        if (dense.Diagnostics.Any(d => d.Id == "PIX9999"))
        {
            result.Verdicts[Oracle.Warnings] = "PIX9999 (internal error): " + string.Join("; ", dense.Messages);
            return result;
        }
        // (c) The repeated declaration and its twin agree on validity and every message, valid or not; a respelled twin
        // (other fields, another class) on validity and the diagnostics' ids, since its messages name its own members.
        if (c.HasTwin && (c.Respelled ? !Ids(dense).SequenceEqual(Ids(twin)) : !dense.Messages.SequenceEqual(twin.Messages)))
            result.Verdicts[Oracle.TwinCode] = "messages differ:\n  Count:    " + string.Join("\n            ", dense.Messages) + "\n  unrolled: " + string.Join("\n            ", twin.Messages);
        if (dense.HasErrors)
        {
            result.InvalidBecause = string.Join("; ", dense.Diagnostics.Where(d => d.Severity == DiagnosticSeverityError).Select(d => d.Id).Distinct());
            result.InvalidMessages = string.Join("\n", dense.Diagnostics.Where(d => d.Severity == DiagnosticSeverityError));
            return result;
        }
        result.Valid = true;
        // (a) PiXGen's output compiles without a single C# warning.
        clock.Restart();
        InMemoryCompiler.Emit(dense);
        if (twin != dense) InMemoryCompiler.Emit(twin);
        Timing.Add("emit", clock);
        var problems = dense.CompilerProblems.Concat(twin == dense ? Enumerable.Empty<Microsoft.CodeAnalysis.Diagnostic>() : twin.CompilerProblems).ToList();
        result.Verdicts[Oracle.Warnings] = problems.Count == 0 ? null : string.Join("\n", problems.Take(5));
        if (problems.Any(p => p.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error)) return result;
        // Counted only where the twin differs: otherwise the twin is the declaration itself. A respelled twin's network
        // code differs in form; its costs and graph may not.
        if (c.HasTwin && !result.Verdicts.ContainsKey(Oracle.TwinCode))
            result.Verdicts[Oracle.TwinCode] = (c.Respelled ? RespelledTwinFiles : TwinFiles).Select(f => (f, a: dense.Files.GetValueOrDefault(f), b: twin.Files.GetValueOrDefault(f)))
                .Where(t => t.a != t.b).Select(t => $"{t.f} differs: {FirstDifference(t.a, t.b)}").FirstOrDefault();

        clock.Restart();
        var (context, assembly) = InMemoryCompiler.Load(dense);
        var twinLoaded = twin == dense ? default : InMemoryCompiler.Load(twin);
        try
        {
            RunModules(result, assembly, twinLoaded.Assembly, seed);
        }
        finally
        {
            context.Unload();
            twinLoaded.Context?.Unload();
            Timing.Add("run", clock);
        }
        return result;
    }

    private const Microsoft.CodeAnalysis.DiagnosticSeverity DiagnosticSeverityError = Microsoft.CodeAnalysis.DiagnosticSeverity.Error;

    private static void RunModules(CaseResult result, Assembly assembly, Assembly? twinAssembly, int seed)
    {
        var type = assembly.GetType("Demo.Net", throwOnError: true)!;
        var inputShape = ((IReadOnlyList<long>)type.GetProperty("InputShape")!.GetValue(null)!).ToArray();
        var outputShape = ((IReadOnlyList<long>)type.GetProperty("OutputShape")!.GetValue(null)!).ToArray();
        long parameterCount = (long)type.GetField("ParameterCount")!.GetValue(null)!;
        long macs = (long)type.GetField("Macs")!.GetValue(null)!;

        using var scope = NewDisposeScope();
        torch.manual_seed(seed);
        using var model = Create(type);
        RandomizeNorms(model, seed);
        model.eval();
        var x = torch.randn(new long[] { 2 }.Concat(inputShape).ToArray());
        Tensor y;
        using (torch.no_grad()) y = model.call(x);

        // (b) what the compiler says the network is, against what it is.
        var expected = new long[] { 2 }.Concat(outputShape).ToArray();
        result.Verdicts[Oracle.Shape] = y.shape.SequenceEqual(expected) ? null : $"output [{string.Join(", ", y.shape)}], OutputShape says [{string.Join(", ", expected)}]";
        long counted = model.parameters().Sum(p => p.numel());
        result.Verdicts[Oracle.Parameters] = counted == parameterCount ? null : $"module has {counted} parameters, ParameterCount = {parameterCount}";
        long hooked = MacCounter.Count(model, inputShape);
        result.Verdicts[Oracle.Macs] = hooked == macs ? null : $"forward hooks count {hooked} MACs, Macs = {macs}";

        // (c) the unrolled twin with the same weights.
        if (twinAssembly is not null)
        {
            using var twin = Create(twinAssembly.GetType("Demo.Net", throwOnError: true)!);
            twin.load_state_dict(model.state_dict());
            twin.eval();
            Tensor ty;
            using (torch.no_grad()) ty = twin.call(x);
            result.Verdicts[Oracle.TwinOutput] = Compare(ty, y, 0);
        }

        // (d) the compiler's dataflow graph, run by the executor and exported to ONNX Runtime.
        if (model is IHasGraph hasGraph)
        {
            result.Verdicts[Oracle.Graph] = Try(() => Compare(GraphExecutor.ForModule(hasGraph).Run(x), y, 1e-5));
            byte[]? onnx = null;
            try { onnx = OnnxExporter.ToBytes(hasGraph.Graph, model.state_dict()); }
            catch (NotSupportedException ex) { result.NotApplicable.Add((Oracle.Onnx, ex.Message)); } // a documented export limit
            catch (Exception ex) { result.Verdicts[Oracle.Onnx] = "export failed: " + ex.GetType().Name + ": " + ex.Message; }
            if (onnx is not null) result.Verdicts[Oracle.Onnx] = Try(() => Compare(RunOnnx(onnx, x), y, 1e-4));
        }
        else
            result.Verdicts[Oracle.Graph] = "the generated network does not implement IHasGraph";
    }

    /// <summary>The network with its default arguments (the constructor's optional parameters).</summary>
    private static nn.Module<Tensor, Tensor> Create(Type type)
    {
        var ctor = type.GetConstructors().Single(c => c.GetParameters().All(p => p.IsOptional));
        return (nn.Module<Tensor, Tensor>)ctor.Invoke(ctor.GetParameters().Select(_ => Type.Missing).ToArray());
    }

    private static string? Try(Func<string?> check)
    {
        try { return check(); }
        catch (Exception ex) { return ex.GetType().Name + ": " + ex.Message; }
    }

    /// <summary>Null when equal within <paramref name="tolerance"/> (relative to the largest magnitude), else the difference.</summary>
    private static string? Compare(Tensor actual, Tensor expected, double tolerance)
    {
        if (!actual.shape.SequenceEqual(expected.shape)) return $"shape [{string.Join(", ", actual.shape)}] vs [{string.Join(", ", expected.shape)}]";
        double diff = (actual - expected).abs().max().item<float>();
        double scale = Math.Max(1.0, expected.abs().max().item<float>());
        return diff <= tolerance * scale ? null : $"max |difference| {diff:G4} (scale {scale:G4}, tolerance {tolerance:G2})";
    }

    /// <summary>BatchNorm statistics and affine parameters away from the identity, so the oracles see them (values
    /// drawn in .NET and copied in: no scalar arithmetic on the tensors).</summary>
    private static void RandomizeNorms(nn.Module model, int seed)
    {
        var random = new Random(seed);
        using var noGrad = torch.no_grad();
        foreach (var (_, m) in model.named_modules())
            if (m is BatchNorm2d bn)
            {
                Fill(bn.running_mean!, random, -0.1, 0.1);
                Fill(bn.running_var!, random, 0.5, 1.5);
                Fill(bn.weight!, random, 0.5, 1.5);
                Fill(bn.bias!, random, -0.1, 0.1);
            }
    }

    private static void Fill(Tensor t, Random random, double low, double high)
    {
        var values = new float[t.numel()];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(low + (high - low) * random.NextDouble());
        using var source = torch.tensor(values, t.shape);
        t.copy_(source);
    }

    private static Tensor RunOnnx(byte[] model, Tensor x)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var input = new DenseTensor(x.contiguous().data<float>().ToArray(), x.shape.Select(d => (int)d).ToArray());
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), input) });
        var output = results.Single().AsTensor<float>();
        return torch.tensor(output.ToArray(), output.Dimensions.ToArray().Select(d => (long)d).ToArray());
    }

    private static string FirstDifference(string? a, string? b)
    {
        if (a is null || b is null) return a is null ? "missing for Count" : "missing for the unrolled twin";
        var la = a.Split('\n');
        var lb = b.Split('\n');
        for (int i = 0; i < Math.Max(la.Length, lb.Length); i++)
        {
            string x = i < la.Length ? la[i] : "<end>", y = i < lb.Length ? lb[i] : "<end>";
            if (x != y) return $"line {i + 1}\n  Count:    {x.Trim()}\n  unrolled: {y.Trim()}";
        }
        return "?";
    }
}
