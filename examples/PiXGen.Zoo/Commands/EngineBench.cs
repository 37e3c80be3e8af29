using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Checkpoints;
using PiXGen.Definitions;
using PiXGen.Engines;
using PiXGen.Export;
using PiXGen.Graph;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Zoo;

/// <summary>
/// <c>bench &lt;model&gt; --engines LIST</c>: the same network (same weights, batch and threads) timed on each engine
/// of LIST, round-robin over the repetitions (the first engine of each round rotates; warm-up rounds are not timed),
/// then every median and its ratio to the first engine's. The PyTorch engines run in one /usr/bin/python3 process
/// (tools/bench/engines.py) on the network exported with the PyTorch backend and the same weights; an engine that
/// cannot run is reported with the reason.
/// </summary>
public static class EngineBench
{
    /// <summary>The engines, in the order of the help text, with what each runs.</summary>
    public static readonly IReadOnlyList<(string Name, string Runs)> Engines = new[]
    {
        ("torchsharp", "the generated TorchSharp module, eval"),
        ("fused", "model.Fuse() as users get it (FusedEngine.Auto)"),
        ("fused-torchsharp", "the fused graph on TorchSharp (GraphExecutor)"),
        ("fused-onnxruntime", "the fused graph on ONNX Runtime in process (FusedEngine.OnnxRuntime)"),
        ("fused-spin-after-run", "the same with ONNX Runtime's idle threads spinning on after each run, its own default (SpinAfterRun = true)"),
        ("fused-nchw-pix", "the fused graph on ONNX Runtime with PiXGen's PiX operator on NCHW, reordered around it (BlockedPiX = false)"),
        ("fused-standard-ops", "the fused graph on ONNX Runtime with PiX as ONNX's standard operators (NativePiX = false)"),
        ("onnxruntime", "ONNX Runtime on PiXGen's unfused ONNX export (export --onnx)"),
        ("pytorch", "PyTorch eager, NCHW"),
        ("pytorch-cl", "PyTorch eager, channels_last"),
        ("pytorch-jit", "PyTorch torch.jit.optimize_for_inference (frozen)"),
    };

    /// <summary>The engines of a comma-separated list, or the error to print.</summary>
    public static (IReadOnlyList<string> Engines, string? Error) Parse(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) return (names, "--engines needs at least one engine: " + Known);
        if (names.FirstOrDefault(n => !Engines.Any(k => k.Name == n)) is { } unknown)
            return (names, $"--engines: unknown engine '{unknown}'; known: {Known}");
        if (names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return (names, $"--engines names '{twice.Key}' twice");
        return (names, null);
    }

    private static string Known => string.Join(", ", Engines.Select(k => k.Name));

    /// <summary>One engine ready to run: one eval forward per <see cref="Step"/>, returning its milliseconds.</summary>
    public interface IEngine : IDisposable
    {
        string Name { get; }
        double Step();
    }

    /// <summary>An engine's timed rounds, or why it could not run; <see cref="Check"/> compares its output with the module's.</summary>
    public sealed record Result(string Name, IReadOnlyList<double> Times, string? Unavailable = null, string? Check = null)
    {
        public double Median => ZooBench.Median(Times);
    }

    /// <summary>Warm-up rounds, then <paramref name="rounds"/> timed rounds; every round steps each engine once,
    /// starting one engine later than the round before.</summary>
    public static List<double>[] Measure(IReadOnlyList<IEngine> engines, int warmup, int rounds)
    {
        for (int w = 0; w < warmup; w++) foreach (var r in engines) r.Step();
        var times = engines.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
            for (int k = 0; k < engines.Count; k++) {
                int idx = (round + k) % engines.Count;
                times[idx].Add(engines[idx].Step());
            }
        return times;
    }

    /// <summary>The report: one row per engine with its median, min, max and the ratio of the first available
    /// engine's median to its own (above 1: faster than that engine), or the reason it did not run.</summary>
    public static void Report(TextWriter o, string header, IReadOnlyList<Result> results, bool json)
    {
        var baseline = results.FirstOrDefault(r => r.Unavailable is null);
        double? Ratio(Result r) => baseline is null || r.Unavailable is not null ? null : baseline.Median / r.Median;
        if (json) {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream)) {
                w.WriteStartObject();
                w.WriteString("header", header);
                if (baseline is null) w.WriteNull("baseline"); else w.WriteString("baseline", baseline.Name);
                w.WriteStartArray("engines");
                foreach (var r in results) {
                    w.WriteStartObject();
                    w.WriteString("engine", r.Name);
                    if (r.Unavailable is not null) w.WriteString("unavailable", r.Unavailable);
                    else {
                        w.WriteNumber("median_ms", Math.Round(r.Median, 3));
                        w.WriteNumber("min_ms", Math.Round(r.Times.Min(), 3));
                        w.WriteNumber("max_ms", Math.Round(r.Times.Max(), 3));
                        w.WriteNumber("speedup", Math.Round(Ratio(r)!.Value, 4));
                    }
                    if (r.Check is not null) w.WriteString("check", r.Check);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            return;
        }
        o.WriteLine(header);
        var table = ZooCli.PlainTable(("engine", false), ("median ms", true), ("min ms", true), ("max ms", true),
                                      ($"speedup vs {baseline?.Name ?? "-"}", true), ("output vs module", false));
        foreach (var r in results)
            if (r.Unavailable is null)
                table.AddPlainRow(r.Name, Ms(r.Median), Ms(r.Times.Min()), Ms(r.Times.Max()), Ratio(r)!.Value.ToString("F3", CultureInfo.InvariantCulture) + "x", r.Check ?? "");
            else
                table.AddPlainRow(r.Name, "-", "-", "-", "-", "unavailable (below)");
        ZooCli.WriteTable(o, table);
        foreach (var r in results.Where(r => r.Unavailable is not null))
            o.WriteLine($"{r.Name} unavailable: {r.Unavailable}");
        var ranked = results.Where(r => r.Unavailable is null).OrderBy(r => r.Median).ToList();
        if (ranked.Count > 1)
            o.WriteLine($"fastest: {ranked[0].Name}, {(ranked[1].Median / ranked[0].Median).ToString("F3", CultureInfo.InvariantCulture)}x ahead of {ranked[1].Name} (ratio of medians)");
    }

    private static string Ms(double ms) => ms.ToString("F2", CultureInfo.InvariantCulture);

    /// <summary>Runs <c>bench --engines</c>.</summary>
    public static int Run(ZooBench.Options opts, NetworkInfo info, IReadOnlyList<string> names, TextWriter o, TextWriter e)
    {
        int threads = torch.get_num_threads();
        using var module = info.Create();
        module.eval();
        var shape = new long[] { opts.Batch }.Concat(info.InputShape).ToArray();
        using var input = torch.randn(shape);
        Tensor reference;
        using (no_grad()) reference = module.forward(input).detach().clone();
        using var referenceOwner = reference;
        var engines = new List<IEngine>();
        var results = new Dictionary<string, Result>(StringComparer.Ordinal);
        PythonEngines? python = null;
        try {
            var pyNames = names.Where(n => n.StartsWith("pytorch", StringComparison.Ordinal)).ToList();
            if (pyNames.Count > 0) {
                var (started, ready) = PythonEngines.Start(module, info.Name, input, reference, threads, pyNames);
                python = started;
                foreach (var (name, state) in ready) results[name] = state;
            }
            foreach (var name in names) {
                if (results.TryGetValue(name, out var r) && r.Unavailable is not null) continue;
                try {
                    IEngine engine = name.StartsWith("pytorch", StringComparison.Ordinal) ? python!.Engine(name) : CSharpEngine.Create(name, module, input, threads);
                    if (engine is CSharpEngine cs) results[name] = new Result(name, Array.Empty<double>(), Check: cs.Compare(reference));
                    engines.Add(engine);
                } catch (Exception ex) when (ex is not OutOfMemoryException) {
                    results[name] = new Result(name, Array.Empty<double>(), Unavailable: OneLine(ex.Message));
                }
            }
            var times = Measure(engines, opts.Warmup, opts.Rounds);
            for (int k = 0; k < engines.Count; k++)
                results[engines[k].Name] = results[engines[k].Name] with { Times = times[k] };
            string header = $"{opts.Model} eval, batch {opts.Batch}, {opts.Rounds} rounds round-robin after {opts.Warmup} warm-up, {threads} threads; malloc: {PiXGen.Platform.TorchPlatform.NativeHeapReason}";
            Report(o, header, names.Select(n => results[n]).ToList(), opts.Json);
            if (opts.Profile) {
                // Each engine of the list that runs the fused graph on ONNX Runtime, with its settings; "fused" when none.
                var profiled = names.Where(n => OnnxRuntimeSettings(n) is not null).DefaultIfEmpty("fused");
                foreach (var name in profiled) Profile(module, input, threads, opts.Warmup, opts.Rounds, o, name);
            }
            return 0;
        } finally {
            foreach (var engine in engines) engine.Dispose();
            python?.Dispose();
        }
    }

    private static string OneLine(string s) => s.Split('\n')[0].Trim();

    /// <summary><c>--profile</c>: the fused network on ONNX Runtime with its per-node profile; the kernel time per run
    /// by op type, and the share of the PiX layers' nodes (those the exporter names after a PiX module).</summary>
    public static void Profile(nn.Module<Tensor, Tensor> module, Tensor input, int threads, int warmup, int rounds, TextWriter o, string engineName = "fused")
    {
        if (module is not IHasGraph) { o.WriteLine("profile: the model has no compiler graph"); return; }
        var p = ProfileFused(new[] { ("", module, input) }, threads, warmup, rounds, engineName)[0];
        var pix = p.Graph.Nodes.Where(n => DefinedKind.PiX.Is(n.Op)).ToList();
        bool IsPiX(string node) => p.NodeOf(node) is { } n && DefinedKind.PiX.Is(n.Op);
        double total = p.TotalMs, pixMs = p.Ms(p.Timed.Where(t => IsPiX(t.Node)));
        string Pct(double part) => (100 * part / total).ToString("F1", CultureInfo.InvariantCulture) + " %";
        o.WriteLine($"ONNX Runtime per-node profile of the fused network as {engineName} runs it ({rounds} runs after {p.Warmup} warm-up, {threads} threads): " +
                    $"{Ms(total)} ms of node kernels per run; PiX layers ({pix.Count}{(pix.Count == 0 ? "" : p.NativePiX ? $", PiXGen's operator, {p.BlockedPiXLayers} on the blocked layout" : ", ONNX's standard operators")}): {Ms(pixMs)} ms = {Pct(pixMs)}");
        var table = ZooCli.PlainTable(("op", false), ("ms per run", true), ("share", true), ("in PiX layers ms", true));
        foreach (var g in p.Timed.GroupBy(t => t.OpType).OrderByDescending(g => g.Sum(t => t.Microseconds))) {
            double ms = p.Ms(g);
            table.AddPlainRow(g.Key, Ms(ms), Pct(ms), Ms(p.Ms(g.Where(t => IsPiX(t.Node)))));
        }
        ZooCli.WriteTable(o, table);
        if (pix.Count == 0) return;
        // Each PiX layer's own nodes, in the network's order.
        var layers = ZooCli.PlainTable(("PiX layer", false), ("ms per run", true));
        foreach (var layer in pix)
            layers.AddPlainRow(layer.Module ?? layer.Output, Ms(p.Ms(p.Timed.Where(t => p.NodeOf(t.Node) == layer))));
        ZooCli.WriteTable(o, layers);
    }

    /// <summary>One fused network's per-node profile on ONNX Runtime: the graph it ran (after fusion) and the node
    /// events of its timed runs.</summary>
    public sealed record FusedProfile(string Model, NetworkGraph Graph, IReadOnlyList<OnnxRuntimeEngine.NodeTime> Timed, int Rounds, int Warmup,
                                      bool NativePiX, int BlockedPiXLayers)
    {
        /// <summary>Kernel milliseconds per run of <paramref name="nodes"/> (events of <see cref="Timed"/>).</summary>
        public double Ms(IEnumerable<OnnxRuntimeEngine.NodeTime> nodes) => nodes.Sum(t => t.Microseconds) / Rounds / 1000;

        /// <summary>All node kernels, milliseconds per run.</summary>
        public double TotalMs => Ms(Timed);

        private Dictionary<string, GraphNode>? byName;

        /// <summary>
        /// The graph node an event's node name belongs to, or null for ONNX Runtime's own kernels (layout reorders, nodes
        /// its optimiser made). The exporter names each ONNX node after the graph value it writes, and the nodes it adds
        /// for one graph node after that value or that node's module (a PiX layer's gate: "layer1.0.conv1/phi"), then
        /// "/" (<see cref="OnnxExporter"/>); ONNX Runtime's fusions keep the first node's name and its layout transformer
        /// adds "_" and a suffix. So the name itself, or its longest prefix before a "/" or "_", names the node.
        /// </summary>
        public GraphNode? NodeOf(string node)
        {
            if (byName is null) {
                var names = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
                foreach (var n in Graph.Nodes) names[n.Output] = n;
                foreach (var n in Graph.Nodes)
                    if (n.Module is not null) names.TryAdd(n.Module, n);
                byName = names;
            }
            return Owner(node, byName.ContainsKey) is { } name ? byName[name] : null;
        }

        /// <summary>The name among <paramref name="isName"/>'s that <paramref name="node"/> is or starts with, followed by
        /// "/" or "_" (the longest), or null (see <see cref="NodeOf"/>).</summary>
        public static string? Owner(string node, Func<string, bool> isName)
        {
            if (isName(node)) return node;
            for (int cut = node.Length - 1; cut > 0; cut--)
                if ((node[cut] == '/' || node[cut] == '_') && isName(node[..cut])) return node[..cut];
            return null;
        }
    }

    /// <summary>Each model's fused graph on ONNX Runtime, set up as <paramref name="engineName"/> sets it up, with the
    /// per-node profiler on, run on its own input; the sessions run in turn (the first of each round rotating, as <see cref="Measure"/>), so
    /// profiles taken together see the same machine. A new session's first runs are left out whatever
    /// <paramref name="warmup"/> says (<see cref="OnnxRuntimeEngine.UnsteadyRuns"/>).</summary>
    public static List<FusedProfile> ProfileFused(IReadOnlyList<(string Model, nn.Module<Tensor, Tensor> Module, Tensor Input)> models, int threads,
                                                  int warmup, int rounds, string engineName = "fused")
    {
        var (nativePiX, blockedPiX, spinAfterRun) = OnnxRuntimeSettings(engineName) ?? throw new ArgumentException($"{engineName} does not run on ONNX Runtime.", nameof(engineName));
        warmup = Math.Max(warmup, OnnxRuntimeEngine.UnsteadyRuns);
        using var scope = NewDisposeScope();
        var sessions = new List<(string Model, NetworkGraph Graph, OnnxRuntimeEngine Engine, Tensor Input)>();
        int ended = 0;
        try {
            foreach (var (model, module, input) in models) {
                if (module is not IHasGraph withGraph) throw new InvalidOperationException($"{model} has no compiler graph, so its fused network cannot be profiled.");
                var fusion = GraphFusion.Fuse(withGraph.Graph, module.state_dict());
                string prefix = Path.Combine(Path.GetTempPath(), "pixgen-ort-profile-" + Guid.NewGuid().ToString("N")[..8]);
                sessions.Add((model, fusion.Graph, new OnnxRuntimeEngine(fusion.Graph, fusion.Weights, threads, prefix, nativePiX, blockedPiX, spinAfterRun), input));
            }
            for (int r = 0; r < warmup + rounds; r++)
                for (int k = 0; k < sessions.Count; k++) {
                    var session = sessions[(r + k) % sessions.Count];
                    session.Engine.Run(session.Input).Dispose();
                }
            var profiles = new List<FusedProfile>();
            foreach (var (model, graph, engine, _) in sessions) {
                string file = engine.EndProfiling();
                ended++;
                var nodes = OnnxRuntimeEngine.ReadProfile(file);
                File.Delete(file);
                // Each run records the same nodes in order: keep the timed runs' events.
                int perRun = nodes.Count / (warmup + rounds);
                profiles.Add(new FusedProfile(model, graph, nodes.Skip(perRun * warmup).ToList(), rounds, warmup, engine.NativePiX, engine.BlockedPiXLayers));
            }
            return profiles;
        } finally {
            // A run that failed leaves profiles that were never ended: end them and delete their files.
            for (int k = ended; k < sessions.Count; k++)
                try { File.Delete(sessions[k].Engine.EndProfiling()); } catch (Exception ex) when (ex is not OutOfMemoryException) { }
            foreach (var s in sessions) s.Engine.Dispose();
        }
    }

    /// <summary>How an engine that runs the fused graph on ONNX Runtime sets it up (<see cref="FusedNetwork.NativePiX"/>,
    /// <see cref="FusedNetwork.BlockedPiX"/>, <see cref="FusedNetwork.SpinAfterRun"/>), or null for the other engines.</summary>
    private static (bool NativePiX, bool BlockedPiX, bool SpinAfterRun)? OnnxRuntimeSettings(string engine) => engine switch {
        "fused" or "fused-onnxruntime" => (true, true, false),
        "fused-spin-after-run" => (true, true, true),
        "fused-nchw-pix" => (true, false, false),
        "fused-standard-ops" => (false, false, false),
        _ => null,
    };

    /// <summary>An engine of this process: the module, a fused network or an ONNX Runtime session, timed with a stopwatch.</summary>
    private sealed class CSharpEngine : IEngine
    {
        private readonly Func<Tensor, Tensor> forward;
        private readonly Tensor input;
        private readonly IDisposable? owned;

        private CSharpEngine(string name, Func<Tensor, Tensor> forward, Tensor input, IDisposable? owned)
        {
            Name = name; this.forward = forward; this.input = input; this.owned = owned;
        }

        public string Name { get; }

        public static CSharpEngine Create(string name, nn.Module<Tensor, Tensor> module, Tensor input, int threads)
        {
            if (name == "torchsharp") return new CSharpEngine(name, module.forward, input, null);
            if (module is not IHasGraph withGraph)
                throw new InvalidOperationException($"{module.GetType().Name} has no compiler graph, so {name} cannot run it.");
            using var scope = NewDisposeScope();
            var weights = module.state_dict();
            if (name == "onnxruntime") {
                var session = new OnnxRuntimeEngine(withGraph.Graph, weights, threads, nativePiX: false);
                return new CSharpEngine(name, session.Run, input, session);
            }
            // fused is what users get (Auto); every other engine with ONNX Runtime settings is forced onto ONNX Runtime.
            var settings = OnnxRuntimeSettings(name);
            var fused = new FusedNetwork(withGraph.Graph, weights) {
                Threads = threads,
                Engine = name == "fused-torchsharp" ? FusedEngine.TorchSharp : settings is null || name == "fused" ? FusedEngine.Auto : FusedEngine.OnnxRuntime,
                NativePiX = settings?.NativePiX ?? true,
                BlockedPiX = settings?.BlockedPiX ?? true,
                SpinAfterRun = settings?.SpinAfterRun ?? false,
            };
            return new CSharpEngine(name, fused.forward, input, fused);
        }

        public double Step()
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var sw = Stopwatch.StartNew();
            forward(input);
            return sw.Elapsed.TotalMilliseconds;
        }

        /// <summary>The largest |difference| of this engine's output from the module's.</summary>
        public string Compare(Tensor reference)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            double d = (forward(input) - reference).abs().max().item<float>();
            return "max |diff| " + d.ToString("E1", CultureInfo.InvariantCulture);
        }

        public void Dispose() => owned?.Dispose();
    }

    /// <summary>The PyTorch engines: one tools/bench/engines.py process, one line per forward.</summary>
    private sealed class PythonEngines : IDisposable
    {
        private readonly Process process;
        private readonly string folder;

        private PythonEngines(Process process, string folder) { this.process = process; this.folder = folder; }

        /// <summary>The interpreter: PIXGEN_PYTHON, else /usr/bin/python3 (Debian's, with torch), else python3 on PATH.</summary>
        private static string Interpreter() =>
            Environment.GetEnvironmentVariable("PIXGEN_PYTHON") is { Length: > 0 } p ? p : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

        public static (PythonEngines? Engines, List<(string, Result)> Ready) Start(nn.Module<Tensor, Tensor> module, string model, Tensor input, Tensor output, int threads, List<string> names)
        {
            List<(string, Result)> All(string why) => names.Select(n => (n, new Result(n, Array.Empty<double>(), Unavailable: why))).ToList();
            string script = Path.Combine(AppContext.BaseDirectory, "tools", "bench", "engines.py");
            if (!File.Exists(script)) return (null, All($"{script} is missing"));
            string folder = Path.Combine(Path.GetTempPath(), "pixgen-engines-" + Guid.NewGuid().ToString("N")[..8]);
            string name = "bench_" + model.ToLowerInvariant();
            try {
                PyTorchExporter.Export(module, folder, name);
                using (var scope = NewDisposeScope()) {
                    var entries = module.state_dict().ToList();
                    entries.Add(new("__input__", input));
                    entries.Add(new("__output__", output));
                    Checkpoint.SaveStateDict(entries, Path.Combine(folder, "weights.safetensors"));
                }
            } catch (Exception ex) when (ex is ArgumentException or NotSupportedException) {
                Directory.Delete(folder, true);
                return (null, All("no PyTorch export: " + OneLine(ex.Message)));
            }
            var start = new ProcessStartInfo(Interpreter()) {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var arg in new[] { script, "--module", Path.Combine(folder, name), "--weights", Path.Combine(folder, "weights.safetensors"), "--threads", threads.ToString(CultureInfo.InvariantCulture) }.Concat(names))
                start.ArgumentList.Add(arg);
            Process process;
            try { process = Process.Start(start)!; }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException) {
                Directory.Delete(folder, true);
                return (null, All($"cannot start {start.FileName}: {OneLine(ex.Message)}"));
            }
            var engines = new PythonEngines(process, folder);
            string? line = process.StandardOutput.ReadLine();
            if (line is null || !line.StartsWith("{\"ready\"", StringComparison.Ordinal)) {
                string err = process.StandardError.ReadToEnd().Trim().Split('\n').LastOrDefault() ?? "";
                engines.Dispose();
                return (null, All($"{start.FileName} could not run tools/bench/engines.py: {(err.Length > 0 ? err : line ?? "no output")}"));
            }
            using var doc = JsonDocument.Parse(line);
            string torchVersion = doc.RootElement.GetProperty("torch").GetString() ?? "?";
            var ready = new List<(string, Result)>();
            foreach (var n in names) {
                var state = doc.RootElement.GetProperty("ready").GetProperty(n);
                ready.Add(state.TryGetProperty("unavailable", out var why)
                    ? (n, new Result(n, Array.Empty<double>(), Unavailable: why.GetString()))
                    : (n, new Result(n, Array.Empty<double>(), Check: $"max |diff| {state.GetProperty("max_abs_diff").GetDouble().ToString("E1", CultureInfo.InvariantCulture)} (torch {torchVersion})")));
            }
            return (engines, ready);
        }

        public IEngine Engine(string name) => new Remote(this, name);

        private double Step(string name)
        {
            process.StandardInput.WriteLine(name);
            process.StandardInput.Flush();
            string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"tools/bench/engines.py stopped: {process.StandardError.ReadToEnd().Trim()}");
            return double.TryParse(line, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) ? ms
                : throw new InvalidOperationException($"tools/bench/engines.py, {name}: {line}");
        }

        public void Dispose()
        {
            try {
                if (!process.HasExited) { process.StandardInput.Close(); if (!process.WaitForExit(10_000)) process.Kill(); }
            } catch (InvalidOperationException) { }
            process.Dispose();
            try { Directory.Delete(folder, true); } catch (IOException) { }
        }

        private sealed class Remote(PythonEngines owner, string name) : IEngine
        {
            public string Name => name;
            public double Step() => owner.Step(name);
            public void Dispose() { }
        }
    }
}
