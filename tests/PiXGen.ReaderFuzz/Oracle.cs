using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace PiXGen.ReaderFuzz;

/// <summary>
/// Runs one case through the readers and checks the oracle: the file loads exactly the reference's tensors, or the
/// loader throws a documented exception (CheckpointFormatException, CheckpointMismatchException, NpyFormatException)
/// whose message starts with the file's path, and never one that wraps an unanticipated exception. A case whose
/// answer is unknown (a mutated pickle) must still end in one of those two ways, and load the same twice.
/// </summary>
public static class Oracle
{
    /// <summary>The violation, or null when the case passed.</summary>
    public static string? Check(FuzzCase c, string folder, bool alsoLoadIntoModule)
    {
        string path = Path.Combine(folder, "case" + c.Ext);
        File.WriteAllBytes(path, c.Bytes);
        using var scope = NewDisposeScope();
        List<(string Key, string Dtype, long[] Shape, byte[] Bytes)> got;
        try { got = Read(path, c.Ext); }
        catch (Exception e) { return Refusal(c, path, e); }
        if (c.Verdict == Verdict.Refuse)
            return $"loaded what the reference refuses: {Describe(got)}";
        if (c.Verdict == Verdict.Unknown)
        {
            var again = Read(path, c.Ext);
            return Same(got, again) ? null : "two reads of the same file differ";
        }
        var want = c.Tensors.Select(t => (t.Key, t.Dtype, t.Shape, t.Bytes)).ToList();
        if (!Same(got, want))
            return $"loaded {Describe(got)}; the reference says {Describe(want)}";
        if (alsoLoadIntoModule && c.Ext != ".npy")
        {
            string? problem = LoadIntoModule(path, c.Tensors);
            if (problem is not null) return problem;
        }
        return null;
    }

    private static string? Refusal(FuzzCase c, string path, Exception e)
    {
        string? filePath = e switch { CheckpointFormatException f => f.FilePath, NpyFormatException n => n.FilePath, CheckpointMismatchException => path, _ => null };
        if (filePath is null) return $"undocumented exception {e.GetType().Name}: {e.Message}";
        if (filePath != path || !e.Message.StartsWith(path + ": ", StringComparison.Ordinal)) return $"exception does not name the file: {e.Message}";
        string problem = e is CheckpointFormatException cf ? cf.Problem : e is NpyFormatException nf ? nf.Problem : "";
        if (problem.StartsWith("cannot be read: ", StringComparison.Ordinal)) return $"an unanticipated exception, wrapped: {e.Message}";
        if (c.Verdict == Verdict.Load) return $"refused what the reference loads ({Describe(c.Tensors.Select(t => (t.Key, t.Dtype, t.Shape, t.Bytes)).ToList())}): {e.Message}";
        return null;
    }

    private static readonly Dictionary<ScalarType, string> Names = new()
    {
        [ScalarType.Float32] = "F32", [ScalarType.Float64] = "F64", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32", [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    private static List<(string, string, long[], byte[])> Read(string path, string ext)
    {
        if (ext == ".npy")
        {
            var (data, shape) = Npy.Read(path);
            var bytes = new byte[data.Length * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            return new() { ("", "F32", shape, bytes) };
        }
        using var file = Checkpoint.Read(path);
        return file.Select(kv => (kv.Key, Names[kv.Value.dtype], kv.Value.shape, Bytes(kv.Value))).ToList();
    }

    /// <summary>The tensor's bytes for comparison: C order, bools as 0/1, an expanded view as a marker and its first element.</summary>
    private static byte[] Bytes(Tensor t)
    {
        string dtype = Names[t.dtype];
        if (t.numel() == 0) return Array.Empty<byte>();
        if (t.numel() > Cases.Expanded)
        {
            // An expanded view: compared by shape and first element, not element by element (and never copied:
            // narrowing every dimension to its first index keeps a one-element view).
            var first = t.alias();
            for (int d = 0; d < t.dim(); d++)
            {
                var next = first.narrow(d, 0, 1);
                first.Dispose();
                first = next;
            }
            using (first)
            using (var one = first.contiguous())
                return Cases.ExpandedMarker(Cases.Canonical(dtype, one.bytes.ToArray()));
        }
        using var c = t.contiguous();
        return Cases.Canonical(dtype, c.bytes.ToArray());
    }

    private static bool Same(List<(string Key, string Dtype, long[] Shape, byte[] Bytes)> a, List<(string Key, string Dtype, long[] Shape, byte[] Bytes)> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Key == p.Second.Key && p.First.Dtype == p.Second.Dtype
            && p.First.Shape.SequenceEqual(p.Second.Shape) && p.First.Bytes.AsSpan().SequenceEqual(p.Second.Bytes));

    private static string Describe(List<(string Key, string Dtype, long[] Shape, byte[] Bytes)> t) =>
        "{" + string.Join(", ", t.Select(x => $"{x.Key}: {x.Dtype}[{string.Join(",", x.Shape)}] {Convert.ToHexString(x.Bytes.AsSpan(0, Math.Min(16, x.Bytes.Length)))}")) + "}";

    /// <summary>A module with one buffer per key (keys without dots), loaded strictly: its buffers must equal the reference.</summary>
    private static string? LoadIntoModule(string path, IReadOnlyList<RefTensor> tensors)
    {
        if (tensors.Any(t => t.Key.Contains('.') || t.Shape.Aggregate(1L, (a, d) => a * d) > Cases.Expanded)) return null;
        var dtypes = Names.ToDictionary(kv => kv.Value, kv => kv.Key);
        using var holder = new Holder(tensors.Select(t => (t.Key, dtypes[t.Dtype], t.Shape)));
        try { Checkpoint.Load(holder, path); }
        catch (Exception e) { return $"strict load into a matching module failed: {e.GetType().Name}: {e.Message}"; }
        foreach (var t in tensors)
        {
            var b = Bytes(holder.state_dict()[t.Key]);
            if (!b.AsSpan().SequenceEqual(t.Bytes)) return $"strict load put other values into '{t.Key}'";
        }
        return null;
    }

    private sealed class Holder : nn.Module
    {
        public Holder(IEnumerable<(string Key, ScalarType Type, long[] Shape)> buffers) : base("Holder")
        {
            foreach (var (key, type, shape) in buffers) register_buffer(key, zeros(shape, type));
        }
    }
}

/// <summary>A run of many cases: counts, violations, memory and time bounds (the console mode checks the bounds).</summary>
public sealed class FuzzRun
{
    public long Cases, Loaded, Refused, Unknown, Violations;
    public readonly List<string> Failures = new();
    public TimeSpan Slowest;
    public long PeakRssBytes;

    public const double MaxSecondsPerCase = 10;
    public const long MaxRssGrowthBytes = 2L << 30;

    public void Run(ulong seed, long first, long count, string folder, bool checkBounds, Action<FuzzRun>? progress = null, int every = 10_000)
    {
        long baseline = checkBounds ? PeakRss() : 0;
        for (long k = first; k < first + count; k++)
        {
            var c = PiXGen.ReaderFuzz.Cases.At(seed, k);
            var sw = Stopwatch.StartNew();
            string? v = Oracle.Check(c, folder, alsoLoadIntoModule: k % 4 == 0);
            sw.Stop();
            Cases++;
            if (sw.Elapsed > Slowest) Slowest = sw.Elapsed;
            if (checkBounds && sw.Elapsed.TotalSeconds > MaxSecondsPerCase) v ??= $"took {sw.Elapsed.TotalSeconds:F1} s";
            switch (c.Verdict) { case Verdict.Load: Loaded++; break; case Verdict.Refuse: Refused++; break; default: Unknown++; break; }
            if (v is not null)
            {
                Violations++;
                if (Failures.Count < 50) Failures.Add($"case {k} (seed {seed}): {v}\n    {c.What}");
            }
            if (checkBounds && (k - first + 1) % 1000 == 0)
            {
                PeakRssBytes = PeakRss();
                if (PeakRssBytes - baseline > MaxRssGrowthBytes)
                {
                    Violations++;
                    Failures.Add($"peak memory {PeakRssBytes:N0} bytes, {PeakRssBytes - baseline:N0} above the start, by case {k}");
                    baseline = PeakRssBytes;
                }
            }
            if (progress is not null && (k - first + 1) % every == 0) progress(this);
        }
    }

    /// <summary>The process's peak resident memory (VmHWM), or 0 where /proc is missing.</summary>
    public static long PeakRss()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
            return line is null ? 0 : long.Parse(line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { return 0; }
    }
}
