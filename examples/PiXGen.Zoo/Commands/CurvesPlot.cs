using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace PiXGen.Zoo;

/// <summary>The loss and accuracy curves of <c>train</c>, drawn with ScottPlot: two panels, one line per model and series.</summary>
public static class CurvesPlot
{
    /// <summary>Writes the curves to <paramref name="pngPath"/> (900×900 PNG) and returns the path.</summary>
    public static string Write(string pngPath, IReadOnlyList<(string Model, IReadOnlyList<PiXGen.Training.EpochMetrics> Rows)> series)
    {
        var multi = new Multiplot();
        multi.AddPlots(2);
        Plot loss = multi.GetPlot(0), accuracy = multi.GetPlot(1);
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < series.Count; i++)
        {
            var (model, rows) = series[i];
            if (rows.Count == 0) continue;
            double[] epochs = rows.Select(r => (double)r.Epoch).ToArray();
            var colour = palette.GetColor(i);
            var train = loss.Add.Scatter(epochs, rows.Select(r => r.TrainLoss).ToArray(), colour);
            train.LegendText = $"{model} train";
            var test = loss.Add.Scatter(epochs, rows.Select(r => r.TestLoss).ToArray(), colour);
            test.LegendText = $"{model} test";
            test.LinePattern = LinePattern.Dashed;
            var acc = accuracy.Add.Scatter(epochs, rows.Select(r => 100 * r.TestAccuracy).ToArray(), colour);
            acc.LegendText = $"{model} test";
            var trainAcc = accuracy.Add.Scatter(epochs, rows.Select(r => 100 * r.TrainAccuracy).ToArray(), colour);
            trainAcc.LegendText = $"{model} train";
            trainAcc.LinePattern = LinePattern.Dotted;
        }
        int lastEpoch = series.SelectMany(s => s.Rows).Select(r => r.Epoch).DefaultIfEmpty(1).Max();
        foreach (var plot in new[] { loss, accuracy })
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            int every = Math.Max(1, lastEpoch / 10);
            for (int e = 1; e <= lastEpoch; e += every) ticks.AddMajor(e, e.ToString(System.Globalization.CultureInfo.InvariantCulture));
            plot.Axes.Bottom.TickGenerator = ticks;
            plot.Axes.SetLimitsX(0.75, lastEpoch + 0.25);
        }
        loss.Title("Fashion-MNIST: cross-entropy");
        loss.XLabel("epoch");
        loss.YLabel("loss");
        loss.ShowLegend(Alignment.UpperRight);
        accuracy.Title("accuracy");
        accuracy.XLabel("epoch");
        accuracy.YLabel("%");
        accuracy.ShowLegend(Alignment.LowerRight);
        PiXGen.AtomicFile.WriteTo(pngPath, temp => multi.SavePng(temp, 900, 900));
        return pngPath;
    }
}
