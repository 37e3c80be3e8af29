using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Diagnostics;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Analysis;

/// <summary>
/// The cost diagnostics of a network (pure): the PIX0200 report at the severity the build asks for, and
/// PIX0201/PIX0202 for budgets. Budgets on [Network] take precedence over the MSBuild properties.
/// </summary>
public static class CostDiagnostics
{
    public const string SeverityProperty = "PiXGenCostSeverity";
    public const string MaxParametersProperty = "PiXGenMaxParameters";
    public const string MaxMacsProperty = "PiXGenMaxMacs";
    public const int CostliestCount = 5;

    /// <summary>The summary the diagnostics step needs, from a network's IR and its costs.</summary>
    public static CostSummary Summarise(ClassDecl decl, LayerNode network, NetworkCost cost, NetworkCost? dense = null)
        => new(decl.Name, decl.AttributeLocation ?? decl.Location, network.In, network.Out,
            cost.Parameters, cost.Buffers, cost.Macs, cost.MacsPaper, cost.ActivationBytes, cost.PeakActivationBytes,
            cost.CostliestByMacs(CostliestCount).Where(l => l.Macs > 0).Select(l => new CostFigure(l.Path, l.Type, l.Macs)).ToEquatableArray(),
            cost.CostliestByParameters(CostliestCount).Where(l => l.Parameters > 0).Select(l => new CostFigure(l.Path, l.Type, l.Parameters)).ToEquatableArray(),
            decl.MaxParameters, decl.MaxMacs,
            (decl.BuiltVariant is null ? "" : $" · variant {decl.BuiltVariant}") + (dense is null ? "" : DenseDelta(cost, dense)));

    /// <summary>" · vs dense: params −7,552 (−0.03 %) · MACs −933.36 M (−22.82 %) · paper −939.08 M (−22.78 %) · activations −15.3 MB (−11.9 %)".</summary>
    public static string DenseDelta(NetworkCost cost, NetworkCost dense)
    {
        static string Part(string name, long now, long before, System.Func<long, string> format)
        {
            long d = now - before;
            string sign = d < 0 ? "−" : "+";
            string pct = before == 0 ? "" : " (" + sign + (System.Math.Abs(d) * 100.0 / before).ToString("0.00", CultureInfo.InvariantCulture) + " %)";
            return $"{name} {sign}{format(System.Math.Abs(d))}{pct}";
        }
        return " · vs dense: " + string.Join(", ", new[]
        {
            Part("params", cost.Parameters, dense.Parameters, Grouped),
            Part("MACs", cost.Macs, dense.Macs, n => Scaled(n, "")),
            Part("paper", cost.MacsPaper, dense.MacsPaper, n => Scaled(n, "")),
            Part("activations", cost.ActivationBytes, dense.ActivationBytes, Bytes),
        });
    }

    /// <summary>Diagnostics about the build options themselves (reported once, without a source location).</summary>
    public static EquatableArray<DiagnosticInfo> ForOptions(CostOptions options)
    {
        var list = new List<DiagnosticInfo>();
        if (!TryParseSeverity(options.Severity, out _, out _))
            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBuildProperty, null, SeverityProperty, options.Severity,
                "none, hidden, info, warning or error (empty: info)"));
        if (options.MaxParameters is { } p && !TryParseBudget(p, out _))
            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBudget, null, "MSBuild property " + MaxParametersProperty, p, "parameter"));
        if (options.MaxMacs is { } m && !TryParseBudget(m, out _))
            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBudget, null, "MSBuild property " + MaxMacsProperty, m, "MAC"));
        return list.ToEquatableArray();
    }

    /// <summary>The report and budget diagnostics of one network.</summary>
    public static EquatableArray<DiagnosticInfo> ForNetwork(CostSummary s, CostOptions options)
    {
        var list = new List<DiagnosticInfo>();
        if (TryParseSeverity(options.Severity, out var severity, out bool report) && report)
        {
            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CostReport, s.Location, s.Network,
                Grouped(s.Parameters), Scaled(s.Macs, "MACs"), Scaled(s.MacsPaper, ""), Dims(s.Input), Dims(s.Output),
                Bytes(s.ActivationBytes), Bytes(s.PeakActivationBytes), s.DenseDelta) with { Severity = severity });
        }
        CheckBudget(list, s, s.MaxParameters, options.MaxParameters, MaxParametersProperty, "MaxParameters", "parameter",
            s.Parameters, $"{Grouped(s.Parameters)} parameters", s.CostliestByParameters, "params");
        CheckBudget(list, s, s.MaxMacs, options.MaxMacs, MaxMacsProperty, "MaxMacs", "MAC",
            s.Macs, $"{Grouped(s.Macs)} MACs (torchvision convention)", s.CostliestByMacs, "MACs");
        return list.ToEquatableArray();
    }

    private static void CheckBudget(List<DiagnosticInfo> list, CostSummary s, BudgetDecl? declared, string? property,
        string propertyName, string attributeName, string what, long actual, string actualText, EquatableArray<CostFigure> costliest, string unit)
    {
        long budget;
        string source;
        if (declared is not null)
        {
            if (!TryParseBudget(declared.Text, out budget))
            {
                list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBudget, declared.Location, $"{s.Network} [Network({attributeName})]", declared.Text, what));
                return;
            }
            source = $"{attributeName} = {declared.Text} on [Network]";
        }
        else if (property is not null && TryParseBudget(property, out budget))
            source = $"MSBuild property {propertyName} = {property}";
        else
            return; // no budget, or an invalid property (reported once by ForOptions)
        if (actual <= budget) return;
        var layers = string.Join(", ", costliest.Select(l => $"{l.Path} {l.Type} {Grouped(l.Value)} {unit}"));
        list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BudgetExceeded, s.Location, s.Network, actualText, Grouped(budget), source, layers));
    }

    // ------------------------------------------------------------------ option and budget text

    /// <summary>
    /// PiXGenCostSeverity: empty → info; none → not reported (ok, report = false); hidden/silent, info/suggestion,
    /// warning, error (case-insensitive). False for anything else.
    /// </summary>
    public static bool TryParseSeverity(string? text, out DiagnosticSeverity severity, out bool report)
    {
        severity = DiagnosticSeverity.Info;
        report = true;
        switch ((text ?? "").Trim().ToLowerInvariant())
        {
            case "": case "default": case "info": case "suggestion": return true;
            case "none": report = false; return true;
            case "hidden": case "silent": severity = DiagnosticSeverity.Hidden; return true;
            case "warning": severity = DiagnosticSeverity.Warning; return true;
            case "error": severity = DiagnosticSeverity.Error; return true;
            default: return false;
        }
    }

    /// <summary>
    /// A budget: a whole number, optionally with '_' or ',' digit separators ("25_557_032"), or a decimal
    /// number with a K, M, G or T suffix ("25.6M", "4.1G"; the result must be whole). Not negative.
    /// </summary>
    public static bool TryParseBudget(string text, out long value)
    {
        value = 0;
        if (!Quantity.TrySplit(text, out var t, out var scale)) return false;
        if (scale == 1)
        {
            var digits = t.Replace("_", "").Replace(",", "");
            if (digits.Length == 0 || !digits.All(c => c >= '0' && c <= '9') || t.StartsWith("_", StringComparison.Ordinal) || t.StartsWith(",", StringComparison.Ordinal))
                return false;
            return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        }
        if (!decimal.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)) return false;
        decimal result;
        try { result = number * scale; }
        catch (OverflowException) { return false; }
        if (result != decimal.Truncate(result) || result > long.MaxValue) return false;
        value = (long)result;
        return true;
    }

    // ------------------------------------------------------------------ formatting (shared with the generated report)

    public static string Grouped(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>4,089,184,256 → "4.09 G" + unit; below 1,000 the plain number.</summary>
    public static string Scaled(long n, string unit) => Quantity.Scaled(n, unit);

    /// <summary>Bytes in decimal megabytes (10^6), or kilobytes (10^3) below 1 MB.</summary>
    public static string Bytes(long bytes) => Quantity.Bytes(bytes);

    public static string Dims(Shape s) => s.Rank == 3
        ? string.Format(CultureInfo.InvariantCulture, "{0}×{1}×{2}", s.C, s.H, s.W)
        : s.C.ToString(CultureInfo.InvariantCulture);
}
