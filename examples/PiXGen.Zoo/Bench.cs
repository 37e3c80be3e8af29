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
/// <c>bench &lt;model&gt; [--vs &lt;model&gt;] [--batch N] [--train] [--rounds N] [--warmup N] [--json]</c>:
/// median latency of a forward pass (eval, no_grad) or of a training step (forward + cross-entropy +
/// backward + SGD) at the model's declared input size. With <c>--vs</c> both models are timed
/// alternately in the same run, so machine noise hits both alike, and the ratio of medians is reported.
/// </summary>
public static class ZooBench
{
    public sealed record Options(string Model, string? Vs, int Batch, bool Train, int Rounds, int Warmup, bool Json);

    public static int Run(string[] args, TextWriter o, TextWriter e)
    {
        Options opts;
        try { opts = Parse(args); }
        catch (ArgumentException ex)
        {
            e.WriteLine($"error: {ex.Message}");
            e.WriteLine("usage: PiXGen.Zoo bench <model> [--vs <model>] [--batch N] [--train] [--rounds N] [--warmup N] [--json]");
            return 2;
        }
        var a = ZooCatalog.Find(opts.Model);
        var b = opts.Vs is null ? null : ZooCatalog.Find(opts.Vs);
        foreach (var (name, info) in new[] { (opts.Model, a), (opts.Vs, opts.Vs is null ? a : b) })
            if (info is null)
            {
                e.WriteLine($"error: unknown model '{name}'. Known models: {string.Join(", ", ZooCatalog.Models.Select(m => m.Name))}.");
                return 2;
            }

        var runners = new List<Runner> { new(a!, opts) };
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
                o.WriteLine($"{mode}, batch {opts.Batch}, {opts.Rounds} rounds after {opts.Warmup} warm-up, {torch.get_num_threads()} threads");
                o.WriteLine($"  {opts.Model,-18} median {median,9:F2} ms  (min {times[0].Min():F2}, max {times[0].Max():F2})");
                if (vsMedian is not null)
                {
                    o.WriteLine($"  {opts.Vs,-18} median {vsMedian,9:F2} ms  (min {times[1].Min():F2}, max {times[1].Max():F2})");
                    o.WriteLine($"  speedup of {opts.Model} over {opts.Vs}: {vsMedian / median:F3}x (ratio of medians)");
                }
            }
            return 0;
        }
        finally
        {
            foreach (var r in runners) r.Dispose();
        }
    }

    private static double Median(List<double> xs)
    {
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    public static Options Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException("bench needs a model name");
        string? vs = null; int batch = 1, rounds = 10, warmup = 3; bool train = false, json = false;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Positive(string flag)
            {
                var v = Next();
                return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                    ? n : throw new ArgumentException($"{flag} takes a positive integer, got '{v}'");
            }
            switch (args[i])
            {
                case "--vs": vs = Next(); break;
                case "--batch": batch = Positive("--batch"); break;
                case "--rounds": rounds = Positive("--rounds"); break;
                case "--warmup": warmup = int.TryParse(Next(), out var wv) && wv >= 0 ? wv : throw new ArgumentException("--warmup takes a non-negative integer"); break;
                case "--train": train = true; break;
                case "--json": json = true; break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        return new Options(args[0], vs, batch, train, rounds, warmup, json);
    }

    /// <summary>One model with its input, labels and optimizer, stepping once per call.</summary>
    private sealed class Runner : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> _model;
        private readonly Tensor _input;
        private readonly Tensor _labels;
        private readonly optim.Optimizer? _sgd;
        private readonly bool _train;

        public Runner(NetworkInfo info, Options opts)
        {
            _train = opts.Train;
            _model = info.Create();
            var shape = new long[] { opts.Batch }.Concat(info.InputShape).ToArray();
            _input = torch.randn(shape);
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
            _sgd!.zero_grad();
            var loss = nn.functional.cross_entropy(_model.forward(_input), _labels);
            loss.backward();
            _sgd.step();
        }

        public void Dispose()
        {
            _model.Dispose(); _input.Dispose(); _labels.Dispose(); _sgd?.Dispose();
        }
    }
}
