using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using CsCheck;

namespace PiXGen.Fuzz;

/// <summary>A run of many cases: validity ratio, per-oracle counts, every mismatch with its declaration, rate.</summary>
public sealed class FuzzRun
{
    public int Cases { get; private set; }
    public int Valid { get; private set; }
    public int Repeating { get; private set; }
    public Dictionary<string, (int Passed, int Failed)> PerOracle { get; } = Oracle.All.ToDictionary(o => o, _ => (0, 0), StringComparer.Ordinal);
    public Dictionary<string, int> PerVariant { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> NotApplicable { get; } = new(StringComparer.Ordinal);
    /// <summary>Per <see cref="Feature"/>: cases holding it (valid or not) and valid ones (which every oracle checked).</summary>
    public Dictionary<string, (int Cases, int Valid)> PerFeature { get; } = Feature.All.ToDictionary(f => f, _ => (0, 0), StringComparer.Ordinal);
    /// <summary>Cases with parallel branches or a [Dense] block (<see cref="Feature.Parallel"/>), and the valid ones.</summary>
    public (int Cases, int Valid) Parallel { get; private set; }
    /// <summary>Valid cases with branches or [Dense], per build.</summary>
    public Dictionary<string, int> ParallelPerVariant { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> InvalidReasons { get; } = new(StringComparer.Ordinal);
    public List<CaseResult> Failures { get; } = new();
    public TimeSpan Elapsed { get; private set; }

    public double ValidRatio => Cases == 0 ? 0 : (double)Valid / Cases;
    public double CasesPerMinute => Cases / Math.Max(1e-9, Elapsed.TotalMinutes);

    /// <summary>Case <paramref name="index"/> of the run with <paramref name="seed"/>: the same case every time.</summary>
    public static FuzzCase CaseAt(ulong seed, int index) => NetworkGen.Case.Generate(new PCG((uint)index, seed), null, out _);

    /// <summary>Runs cases <paramref name="first"/>..first+count-1 of <paramref name="seed"/>; <paramref name="progress"/> after each.</summary>
    public static FuzzRun Execute(ulong seed, int first, int count, Action<FuzzRun, int>? progress = null)
    {
        // The networks are tiny: one intra-op thread is faster and does not oversubscribe a shared machine.
        TorchSharp.torch.set_num_threads(1);
        var run = new FuzzRun();
        var clock = Stopwatch.StartNew();
        for (int k = first; k < first + count; k++)
        {
            var c = CaseAt(seed, k);
            CaseResult r;
            try { r = Fuzzer.Run(c, seed: k); }
            catch (Exception ex)
            {
                r = new CaseResult { Case = c, Valid = true };
                r.Verdicts["crash"] = ex.ToString();
            }
            run.Add(r, k);
            run.Elapsed = clock.Elapsed;
            progress?.Invoke(run, k);
        }
        return run;
    }

    /// <summary>The latest case's result.</summary>
    public CaseResult? Last { get; private set; }

    private void Add(CaseResult r, int index)
    {
        Last = r;
        Cases++;
        if (r.Valid) Valid++;
        else if (r.InvalidBecause is { } why) InvalidReasons[why] = InvalidReasons.GetValueOrDefault(why) + 1;
        if (r.Valid && r.Case.Repeats) Repeating++;
        if (r.Valid) PerVariant[r.Case.Variant] = PerVariant.GetValueOrDefault(r.Case.Variant) + 1;
        int valid = r.Valid ? 1 : 0;
        foreach (var feature in r.Case.Features)
        {
            var (c, v) = PerFeature.GetValueOrDefault(feature);
            PerFeature[feature] = (c + 1, v + valid);
        }
        if (r.Case.Features.Overlaps(Feature.Parallel))
        {
            Parallel = (Parallel.Cases + 1, Parallel.Valid + valid);
            if (r.Valid) ParallelPerVariant[r.Case.Variant] = ParallelPerVariant.GetValueOrDefault(r.Case.Variant) + 1;
        }
        foreach (var (oracle, verdict) in r.Verdicts)
        {
            var (p, f) = PerOracle.GetValueOrDefault(oracle);
            PerOracle[oracle] = verdict is null ? (p + 1, f) : (p, f + 1);
        }
        foreach (var (oracle, why) in r.NotApplicable)
        {
            // Counted per oracle and reason, the reason's numbers and names blanked so that like reasons add up.
            string key = $"{oracle}: {System.Text.RegularExpressions.Regex.Replace(why, "[0-9]+|'[^']*'", "#")}";
            NotApplicable[key] = NotApplicable.GetValueOrDefault(key) + 1;
        }
        if (r.Mismatches.Any()) { r.Index = index; Failures.Add(r); }
    }

    public string Report(ulong seed)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"seed {seed}: {Cases} cases in {Elapsed.TotalSeconds:F1} s ({CasesPerMinute:F0} cases/min), {Valid} valid ({100 * ValidRatio:F1} %), {Repeating} valid with a repeated [Use]");
        sb.AppendLine("valid cases per variant: " + string.Join(", ", PerVariant.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} {v.Value}")));
        string perVariant = string.Join(", ", ParallelPerVariant.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} {v.Value}"));
        sb.AppendLine(CultureInfo.InvariantCulture, $"with parallel branches or [Dense]: {Parallel.Cases} cases ({100.0 * Parallel.Cases / Math.Max(1, Cases):F1} %), {Parallel.Valid} valid ({perVariant})");
        sb.AppendLine("construct                                          cases    valid");
        foreach (var (feature, (c, v)) in PerFeature)
            sb.AppendLine(CultureInfo.InvariantCulture, $"{feature,-48} {c,7} {v,8}");
        sb.AppendLine("invalid (PiXGen errors): " + string.Join(", ", InvalidReasons.OrderByDescending(v => v.Value).Select(v => $"{v.Key} ×{v.Value}")));
        sb.AppendLine("oracle                               passed   failed");
        foreach (var (oracle, (p, f)) in PerOracle.OrderBy(o => o.Key, StringComparer.Ordinal))
            sb.AppendLine(CultureInfo.InvariantCulture, $"{oracle,-36} {p,7} {f,8}");
        sb.AppendLine("seconds per phase: " + string.Join(", ", Timing.Seconds.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key} {t.Value:F1}")));
        foreach (var (reason, n) in NotApplicable) sb.AppendLine(CultureInfo.InvariantCulture, $"not applicable ×{n}: {reason}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"mismatching cases: {Failures.Count}");
        foreach (var f in Failures)
            sb.AppendLine(CultureInfo.InvariantCulture, $"\n=== case {f.Index} (reproduce: --seed {seed} --first {f.Index} --cases 1)\n{f.Describe()}");
        return sb.ToString();
    }
}
