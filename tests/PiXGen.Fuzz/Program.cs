using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace PiXGen.Fuzz;

/// <summary>
/// <c>dotnet run -c Release --project tests/PiXGen.Fuzz -- --cases 10000 [--seed S] [--first K] [--report FILE]</c>:
/// runs that many generated networks through every oracle, printing progress, per-oracle counts, cases per minute and
/// every mismatch with its reproducing declaration. Exit code 1 when any oracle failed. <c>--generate-only [--only PIX0109]</c>
/// runs the generator alone and prints the invalid cases.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        int cases = Option(args, "--cases", 1000);
        ulong seed = (ulong)Option(args, "--seed", 1);
        int first = Option(args, "--first", 0);
        string? report = args.SkipWhile(a => a != "--report").Skip(1).FirstOrDefault();
        if (args.Contains("--dump"))
        {
            // The generated files of one case (with --seed, --first).
            var c = FuzzRun.CaseAt(seed, first);
            Console.WriteLine(c);
            foreach (var (name, file) in InMemoryCompiler.Generate(c.Source(unrolled: false), c.Properties).Files)
                Console.WriteLine($"==== {name}\n{file}");
            return 0;
        }
        if (args.Contains("--generate-only"))
        {
            // Validity alone (no oracles): the invalid cases' diagnostics, optionally only those with --only ID.
            string? only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
            int valid = 0;
            for (int k = first; k < first + cases; k++)
            {
                var c = FuzzRun.CaseAt(seed, k);
                var g = InMemoryCompiler.Generate(c.Source(unrolled: false), c.Properties);
                if (!g.HasErrors) { valid++; continue; }
                if (only is null || g.Messages.Any(m => m.StartsWith(only, StringComparison.Ordinal)))
                    Console.WriteLine($"--- invalid case {k}:\n{string.Join("\n", g.Messages)}\n{c}");
            }
            Console.WriteLine(FormattableString.Invariant($"{valid} of {cases} valid"));
            return 0;
        }
        bool showInvalid = args.Contains("--show-invalid");
        var run = FuzzRun.Execute(seed, first, cases, (r, k) =>
        {
            if (r.Last is { } last && last.Mismatches.Any()) Console.WriteLine($"=== MISMATCH in case {k}\n{last.Describe()}");
            if (showInvalid && r.Last is { Valid: false, InvalidMessages: { } why }) Console.WriteLine($"--- invalid case {k}:\n{why}\n{r.Last.Case}");
            if (r.Cases % 100 == 0 && report is not null) File.WriteAllText(report, r.Report(seed)); // survives an interrupted run
            if (r.Cases % 100 == 0 || r.Cases == cases)
                Console.WriteLine(FormattableString.Invariant($"{r.Cases}/{cases} cases, {r.Valid} valid, {r.Failures.Count} mismatching, {r.CasesPerMinute:F0} cases/min, RSS {Rss()} MB"));
        });
        string text = run.Report(seed);
        Console.WriteLine(text);
        if (report is not null) File.WriteAllText(report, text);
        return run.Failures.Count == 0 ? 0 : 1;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return -1;
    }
}
