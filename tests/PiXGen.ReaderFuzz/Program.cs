using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PiXGen.ReaderFuzz;

/// <summary>
/// <c>dotnet run -c Release --project tests/PiXGen.ReaderFuzz -- --cases 1000000 [--seed S] [--first K]</c>: mutated
/// .pt, .safetensors and .npy files (a third each) through the readers against the oracle (Oracle.cs), with the
/// time (10 s a file) and memory (2 GiB above the start) bounds checked; prints progress and every violation.
/// Exit code 1 when any case violated the oracle.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        long cases = Option(args, "--cases", 10_000);
        ulong seed = (ulong)Option(args, "--seed", 1);
        long first = Option(args, "--first", 0);
        int dump = Array.IndexOf(args, "--dump");
        if (dump >= 0 && dump + 1 < args.Length) return Dump(args[dump + 1], seed, first, cases);
        // Each case is written to a file (the readers take paths): in memory (/dev/shm) where there is one.
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        string folder = Path.Combine(root, "pixgen-readerfuzz-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        var run = new FuzzRun();
        var clock = Stopwatch.StartNew();
        void Report(FuzzRun r) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:HH:mm:ss} {r.Cases:N0} files: {r.Loaded:N0} loaded, {r.Refused:N0} refused, {r.Unknown:N0} invariant-only; {r.Violations} violations; slowest {r.Slowest.TotalMilliseconds:F0} ms; peak RSS {r.PeakRssBytes / (1 << 20):N0} MiB; {r.Cases / clock.Elapsed.TotalSeconds:F0} files/s"));
        try
        {
            run.Run(seed, first, cases, folder, checkBounds: true, r =>
            {
                Report(r);
                foreach (var f in r.Failures) Console.WriteLine("VIOLATION " + f);
                r.Failures.Clear();
            });
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
        Report(run);
        foreach (var f in run.Failures) Console.WriteLine("VIOLATION " + f);
        Console.WriteLine($"done: seed {seed}, cases {first}..{first + cases - 1}, {run.Violations} violations, {clock.Elapsed}");
        return run.Violations == 0 ? 0 : 1;
    }

    /// <summary>
    /// <c>--dump DIR</c>: writes the cases as files with a manifest (manifest.jsonl: file, the reference's verdict and
    /// tensors) for tools/readerfuzz_crosscheck.py, which loads them with PyTorch and NumPy.
    /// </summary>
    private static int Dump(string dir, ulong seed, long first, long cases)
    {
        Directory.CreateDirectory(dir);
        using var manifest = new StreamWriter(Path.Combine(dir, "manifest.jsonl"));
        for (long k = first; k < first + cases; k++)
        {
            var c = Cases.At(seed, k);
            string name = $"case{k}{c.Ext}";
            File.WriteAllBytes(Path.Combine(dir, name), c.Bytes);
            var line = new System.Text.Json.Nodes.JsonObject
            {
                ["file"] = name,
                ["verdict"] = c.Verdict.ToString(),
                ["what"] = c.What,
                ["tensors"] = new System.Text.Json.Nodes.JsonArray(c.Tensors.Select(t => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject
                {
                    ["key"] = t.Key,
                    ["dtype"] = t.Dtype,
                    ["shape"] = new System.Text.Json.Nodes.JsonArray(t.Shape.Select(d => (System.Text.Json.Nodes.JsonNode)d).ToArray()),
                    ["hex"] = t.Bytes.Length <= 4096 && !(t.Bytes.Length >= 3 && t.Bytes[0] == 0xEE && t.Bytes[1] == 0xEE && t.Bytes[2] == 0xEE) ? Convert.ToHexString(t.Bytes) : null,
                }).ToArray()),
            };
            manifest.WriteLine(line.ToJsonString());
        }
        Console.WriteLine($"wrote cases {first}..{first + cases - 1} of seed {seed} to {dir}");
        return 0;
    }

    private static long Option(string[] args, string name, long fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
