using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using PiXGen.Costs;
using ScottPlot;

namespace PiXGen.Zoo;

/// <summary>
/// <c>cost &lt;model&gt; [--vs &lt;other&gt;] --plot out.png</c>: per-stage MACs and parameters (the network's own members,
/// from the compile-time <see cref="CostReport"/>) of one or two networks side by side, drawn with ScottPlot.
/// </summary>
public static class CostPlot
{
    /// <summary>The PNG's size in pixels.</summary>
    public const int Width = 1200, Height = 900;

    public static int Run(string model, string? vs, string pngPath, TextWriter o, TextWriter e)
    {
        var first = ZooCli.Known(model, e);
        if (first is null) return 1;
        var second = vs is null ? null : ZooCli.Known(vs, e);
        if (vs is not null && second is null) return 1;
        var reports = new List<(string Name, CostReport Cost)> { (first.Name, first.Cost!) };
        if (second is not null) reports.Add((second.Name, second.Cost!));
        var stages = Write(pngPath, reports);
        o.WriteLine($"wrote {pngPath} ({Width}×{Height}): {stages} stages of {string.Join(" vs ", reports.Select(r => r.Name))}");
        return 0;
    }

    /// <summary>One bar group: a name and the summed figures of the network members in it.</summary>
    public sealed record Stage(string Name, long Macs, long Parameters);

    /// <summary>
    /// The stages of a network: each block member (layer1, …) on its own, the plain layers before the first block
    /// together as "stem" and those after the last block as "head" (plain layers between blocks keep their names).
    /// </summary>
    public static IReadOnlyList<Stage> Stages(CostReport cost)
    {
        var top = cost.Rows.Where(r => r.Depth == 0).ToList();
        int first = top.FindIndex(r => !r.IsLeaf), last = top.FindLastIndex(r => !r.IsLeaf);
        var stages = new List<Stage>();
        for (int i = 0; i < top.Count; i++)
        {
            var r = top[i];
            string name = first < 0 ? r.Path : i < first ? "stem" : i > last ? "head" : r.Path;
            if (stages.Count > 0 && stages[^1].Name == name)
                stages[^1] = stages[^1] with { Macs = stages[^1].Macs + r.Macs, Parameters = stages[^1].Parameters + r.Parameters };
            else stages.Add(new Stage(name, r.Macs, r.Parameters));
        }
        return stages;
    }

    /// <summary>A bar's label: its value, and for the second network its change from the first ("0.55 (−18 %)").</summary>
    private static string Label(double value, double? baseline)
    {
        if (value < 0.005) return "";
        var text = value.ToString(value >= 1 ? "0.0" : "0.00", CultureInfo.InvariantCulture);
        if (baseline is > 0 && Math.Abs(value / baseline.Value - 1) >= 0.005)
            text += " (" + (value >= baseline ? "+" : "−") + Math.Abs(100 * (value / baseline.Value - 1)).ToString("0", CultureInfo.InvariantCulture) + " %)";
        return text;
    }

    /// <summary>Draws the two panels to <paramref name="pngPath"/>; returns the number of stages.</summary>
    public static int Write(string pngPath, IReadOnlyList<(string Name, CostReport Cost)> reports)
    {
        var perModel = reports.Select(r => Stages(r.Cost)).ToList();
        // The groups: by position when the networks have as many stages (names may differ: "layer1" and "stage1"),
        // else the union of the names.
        bool byPosition = perModel.All(p => p.Count == perModel[0].Count);
        var names = byPosition
            ? Enumerable.Range(0, perModel[0].Count).Select(i => string.Join(" / ", perModel.Select(p => p[i].Name).Distinct())).ToList()
            : perModel.SelectMany(p => p.Select(st => st.Name)).Distinct().ToList();
        Stage? At(int model, int group) => byPosition ? perModel[model][group] : perModel[model].FirstOrDefault(st => st.Name == names[group]);

        var multi = new Multiplot();
        multi.AddPlots(2);
        Plot macs = multi.GetPlot(0), parameters = multi.GetPlot(1);
        var palette = new ScottPlot.Palettes.Category10();
        double groupWidth = 0.8, barWidth = groupWidth / reports.Count;
        foreach (var (plot, pick, total, unit, scale) in new (Plot, Func<Stage, long>, Func<CostReport, long>, string, double)[]
                 { (macs, r => r.Macs, c => c.Macs, "GMACs", 1e9), (parameters, r => r.Parameters, c => c.Parameters, "M parameters", 1e6) })
        {
            for (int m = 0; m < reports.Count; m++)
            {
                var colour = palette.GetColor(m);
                var bars = new List<Bar>();
                for (int s = 0; s < names.Count; s++)
                {
                    double value = At(m, s) is { } stage ? pick(stage) / scale : 0;
                    bars.Add(new Bar
                    {
                        Position = s - groupWidth / 2 + barWidth * (m + 0.5), Value = value, Size = barWidth * 0.95,
                        FillColor = colour, LineWidth = 0,
                        Label = Label(value, m == 0 || At(0, s) is not { } baseline ? null : pick(baseline) / scale),
                    });
                }
                var plotted = plot.Add.Bars(bars);
                plotted.ValueLabelStyle.FontSize = 11;
                plot.Legend.ManualItems.Add(new LegendItem
                {
                    LabelText = $"{reports[m].Name}: {total(reports[m].Cost) / scale:0.00} {unit}",
                    FillColor = colour,
                });
            }
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, names.Count).Select(i => (double)i).ToArray(), names.ToArray());
            plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
            plot.Axes.Margins(bottom: 0, top: 0.15);
            plot.YLabel(unit);
            plot.ShowLegend(Alignment.UpperLeft);
        }
        string title = string.Join(" vs ", reports.Select(r => r.Name));
        macs.Title($"{title}: MACs per stage (compile time, batch 1, torchvision convention)");
        parameters.Title("parameters per stage");
        PiXGen.AtomicFile.WriteTo(pngPath, temp => multi.SavePng(temp, Width, Height));   // whole or not at all
        return names.Count;
    }
}
