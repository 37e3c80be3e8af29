using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.Zoo;

/// <summary>
/// <c>bench &lt;model&gt; [--vs &lt;model&gt;] [--batch N] [--train] [--rounds N] [--warmup N] [--fuse [--spin-after-run]] [--engines LIST [--profile]] [--json]</c>:
/// median latency of a forward pass (eval, no_grad) or of a training step (forward + cross-entropy +
/// backward + SGD) at the model's declared input size. With <c>--vs</c> both models are timed
/// alternately in the same run, so machine noise hits both alike, and the ratio of medians is reported. A training
/// step's text report adds the median of each phase (zero_grad + forward + loss, backward, optimizer step).
/// With <c>--engines</c> one model is timed on several engines instead (<see cref="EngineBench"/>).
/// The options are parsed by <see cref="ZooCli"/>.
/// </summary>
public static class ZooBench
{
    /// <summary>The parsed command line of <c>bench</c>.</summary>
    public sealed record Options(string Model, string? Vs, int Batch, bool Train, int Rounds, int Warmup, bool Json, bool Fuse = false, string? Engines = null, bool Profile = false, bool SpinAfterRun = false);

    public static int Run(Options opts, TextWriter o, TextWriter e)
    {
        var a = ZooCli.Known(opts.Model, e);
        if (a is null) return 1;
        if (opts.Profile && opts.Engines is null && (opts.Vs is null || !opts.Fuse))
        {
            e.WriteLine("error: --profile goes with --engines (after the engines are timed, it profiles the fused network on ONNX Runtime as each engine of the list that runs it there does, or as fused does), " +
                        "or with --vs and --fuse (it profiles both fused networks on ONNX Runtime, their runs in turn, and compares them node by node).");
            return 2;
        }
        if (opts.Profile && opts.Json)
        {
            e.WriteLine("error: --profile prints its tables as text after the timings, which --json would leave unparseable; leave out one of them.");
            return 2;
        }
        if (opts.SpinAfterRun && (!opts.Fuse || opts.Engines is not null))
        {
            e.WriteLine("error: --spin-after-run sets up the fused network's ONNX Runtime session; it goes with --fuse (with --engines, name fused-spin-after-run).");
            return 2;
        }
        if (opts.Engines is not null)
        {
            var (engines, error) = EngineBench.Parse(opts.Engines);
            error ??= opts.Vs is not null ? "--engines times one model on several engines; it cannot be combined with --vs."
                : opts.Train ? "--engines times eval forwards; it cannot be combined with --train."
                : opts.Fuse ? "--engines names each route (fused, fused-torchsharp, …); leave out --fuse."
                : null;
            if (error is not null) { e.WriteLine("error: " + error); return 2; }
            return EngineBench.Run(opts, a, engines, o, e);
        }
        var b = opts.Vs is null ? null : ZooCli.Known(opts.Vs, e);
        if (opts.Vs is not null && b is null) return 1;
        if (opts.Fuse && opts.Train)
        {
            e.WriteLine("error: --fuse makes an inference-only network; it cannot be combined with --train.");
            return 2;
        }

        var runners = new List<Runner> { new(a, opts) };
        if (b is not null) runners.Add(new Runner(b, opts));
        try
        {
            for (int w = 0; w < opts.Warmup; w++) foreach (var r in runners) r.Step();
            var times = runners.Select(_ => new List<double>()).ToList();
            for (int round = 0; round < opts.Rounds; round++)
                for (int k = 0; k < runners.Count; k++)
                {
                    // Alternate the order each round so neither model always runs first.
                    int idx = round % 2 == 0 ? k : runners.Count - 1 - k;
                    var sw = Stopwatch.StartNew();
                    runners[idx].Step();
                    times[idx].Add(sw.Elapsed.TotalMilliseconds);
                }
            double median = Median(times[0]);
            double? vsMedian = runners.Count > 1 ? Median(times[1]) : null;
            string mode = opts.Train ? "train" : "eval";
            if (opts.Json)
            {
                using var stream = new MemoryStream();
                using (var w = new Utf8JsonWriter(stream))
                {
                    w.WriteStartObject();
                    w.WriteString("model", opts.Model);
                    if (opts.Vs is null) w.WriteNull("vs"); else w.WriteString("vs", opts.Vs);
                    w.WriteNumber("batch", opts.Batch);
                    if (opts.Train) w.WriteBoolean("channels_last", PiXGen.Platform.ChannelsLast.ForTraining);
                    w.WriteBoolean("native_heap_retained", PiXGen.Platform.TorchPlatform.NativeHeapRetained);
                    w.WriteString("mode", mode);
                    w.WriteNumber("median_ms", Math.Round(median, 3));
                    if (vsMedian is null) { w.WriteNull("vs_median_ms"); w.WriteNull("speedup"); }
                    else { w.WriteNumber("vs_median_ms", Math.Round(vsMedian.Value, 3)); w.WriteNumber("speedup", Math.Round(vsMedian.Value / median, 4)); }
                    w.WriteEndObject();
                }
                o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
            }
            else
            {
                string format = opts.Train ? (PiXGen.Platform.ChannelsLast.ForTraining ? ", channels-last batches" : ", NCHW batches") : "";
                o.WriteLine($"{mode}, batch {opts.Batch}, {opts.Rounds} rounds after {opts.Warmup} warm-up, {torch.get_num_threads()} threads{format}; malloc: {PiXGen.Platform.TorchPlatform.NativeHeapReason}");
                var table = ZooCli.PlainTable(("model", false), ("median ms", true), ("min ms", true), ("max ms", true));
                for (int k = 0; k < runners.Count; k++)
                    table.AddPlainRow(k == 0 ? opts.Model : opts.Vs!, Ms(Median(times[k])), Ms(times[k].Min()), Ms(times[k].Max()));
                ZooCli.WriteTable(o, table);
                if (vsMedian is not null)
                    o.WriteLine($"speedup of {opts.Model} over {opts.Vs}: {(vsMedian / median).Value.ToString("F3", CultureInfo.InvariantCulture)}x (ratio of medians)");
                if (opts.Train)
                    for (int k = 0; k < runners.Count; k++)
                    {
                        // The timed rounds' phases (the warm-up steps come first).
                        var timed = runners[k].Phases.Skip(opts.Warmup).ToList();
                        o.WriteLine($"{(k == 0 ? opts.Model : opts.Vs)} phases, median ms: forward + loss {Ms(Median(timed.Select(p => p.Forward).ToList()))}, " +
                                    $"backward {Ms(Median(timed.Select(p => p.Backward).ToList()))}, optimizer step {Ms(Median(timed.Select(p => p.Optimizer).ToList()))}");
                    }
            }
            if (opts.Profile)
            {
                // Both fused networks on ONNX Runtime as the timed ones ran (model.Fuse() defaults), same weights, same batches.
                var profiles = EngineBench.ProfileFused(runners.Select((r, k) => (k == 0 ? opts.Model : opts.Vs!, r.Source!, r.Input)).ToList(),
                                                        torch.get_num_threads(), opts.Warmup, opts.Rounds,
                                                        opts.SpinAfterRun ? "fused-spin-after-run" : "fused");
                LayerComparison.Write(o, profiles[0], profiles[1], torch.get_num_threads());
            }
            return 0;
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    private static string Ms(double ms) => ms.ToString("F2", CultureInfo.InvariantCulture);

    internal static double Median(IReadOnlyList<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>One model with its input, labels and optimizer, stepping once per call.</summary>
    private sealed class Runner : IDisposable
    {
        private nn.Module<Tensor, Tensor> _model;
        private readonly Tensor _input;
        private readonly Tensor _labels;
        private readonly optim.Optimizer? _sgd;
        private readonly bool _train;

        public Runner(NetworkInfo info, Options opts)
        {
            _train = opts.Train;
            _model = info.Create();
            if (opts.Fuse)
            {
                // Both networks fused the same way: BatchNorm folded, PiX epilogue, activations fused (docs/interop.md).
                if (_model is not PiXGen.Graph.IHasGraph withGraph)
                    throw new InvalidOperationException($"{info.Name} has no compiler graph, so --fuse cannot apply to it.");
                _model.eval();
                var fused = PiXGen.Graph.GraphFusion.Fuse(withGraph);
                fused.SpinAfterRun = opts.SpinAfterRun;
                // --profile fuses the network again for ONNX Runtime's profiler, from the same weights.
                if (opts.Profile) Source = _model; else _model.Dispose();
                _model = fused;
            }
            var shape = new long[] { opts.Batch }.Concat(info.InputShape).ToArray();
            _input = torch.randn(shape);
            if (_train)
            {
                // The batch as the package's Trainer gives it to the network (PiXGen.Platform.ChannelsLast).
                var prepared = PiXGen.Platform.ChannelsLast.Prepare(_input);
                if (!ReferenceEquals(prepared, _input)) { _input.Dispose(); _input = prepared; }
            }
            long classes = info.OutputShape[0];
            _labels = torch.randint(0, classes, new long[] { opts.Batch }, dtype: ScalarType.Int64);
            if (_train) { _model.train(); _sgd = optim.SGD(_model.parameters(), 0.01, momentum: 0.9); }
            else _model.eval();
        }

        public void Step()
        {
            using var scope = torch.NewDisposeScope();
            if (!_train)
            {
                using var _ = torch.no_grad();
                _model.forward(_input);
                return;
            }
            var sw = Stopwatch.StartNew();
            _sgd!.zero_grad();
            var loss = nn.functional.cross_entropy(_model.forward(_input), _labels);
            double forward = sw.Elapsed.TotalMilliseconds;
            loss.backward();
            double backward = sw.Elapsed.TotalMilliseconds;
            _sgd.step();
            Phases.Add((forward, backward - forward, sw.Elapsed.TotalMilliseconds - backward));
        }

        /// <summary>With --fuse --profile: the generated module the fused network was made from.</summary>
        public nn.Module<Tensor, Tensor>? Source { get; }

        /// <summary>The batch each step runs on.</summary>
        public Tensor Input => _input;

        /// <summary>Per training step: zero_grad + forward + loss, backward, optimizer step (ms).</summary>
        public List<(double Forward, double Backward, double Optimizer)> Phases { get; } = new();

        public void Dispose()
        {
            _model.Dispose(); Source?.Dispose(); _input.Dispose(); _labels.Dispose(); _sgd?.Dispose();
        }
    }
}
