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

    private static long Option(string[] args, string name, long fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? long.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
