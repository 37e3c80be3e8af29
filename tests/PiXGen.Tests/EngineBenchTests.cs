using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Engines;
using PiXGen.Zoo;

namespace PiXGen.Tests;

/// <summary><c>bench --engines</c> (examples/PiXGen.Zoo/Commands/EngineBench.cs): parsing, the round-robin order and
/// the report, on engines with scripted times (no timing is asserted).</summary>
public class EngineBenchTests
{
    /// <summary>An engine whose Step returns the next scripted time and records the global call order.</summary>
    private sealed class Scripted(string name, List<string> order, params double[] times) : EngineBench.IEngine
    {
        private int next;
        public string Name => name;
        public double Step() { order.Add(name); return times[next++ % times.Length]; }
        public void Dispose() { }
    }

    [Fact]
    public void Parse_accepts_known_engines_and_names_the_unknown_or_repeated()
    {
        var (engines, error) = EngineBench.Parse("torchsharp, fused,onnxruntime,pytorch-jit");
        Assert.Null(error);
        Assert.Equal(new[] { "torchsharp", "fused", "onnxruntime", "pytorch-jit" }, engines);

        (_, error) = EngineBench.Parse("fused,tensorrt");
        Assert.Contains("unknown engine 'tensorrt'", error);
        Assert.Contains("pytorch-cl", error);   // the known ones are listed
        (_, error) = EngineBench.Parse("fused,fused");
        Assert.Contains("'fused' twice", error);
        (_, error) = EngineBench.Parse(" , ");
        Assert.Contains("at least one engine", error);
    }

    [Fact]
    public void Measure_excludes_warmup_and_rotates_the_first_engine_each_round()
    {
        var order = new List<string>();
        var engines = new EngineBench.IEngine[] { new Scripted("a", order, 100, 1, 2, 3), new Scripted("b", order, 50, 4, 5, 6), new Scripted("c", order, 7) };
        var times = EngineBench.Measure(engines, warmup: 1, rounds: 3);
        Assert.Equal(new[] { "a", "b", "c", "a", "b", "c", "b", "c", "a", "c", "a", "b" }, order);   // warm-up, then rounds starting at a, b, c
        Assert.Equal(new double[] { 1, 2, 3 }, times[0]);   // the warm-up's 100 is not kept
        Assert.Equal(new double[] { 4, 5, 6 }, times[1]);
        Assert.Equal(new double[] { 7, 7, 7 }, times[2]);
    }

    [Fact]
    public void Report_gives_every_median_and_its_ratio_to_the_first_available_engine()
    {
        var results = new[]
        {
            new EngineBench.Result("pytorch", Array.Empty<double>(), Unavailable: "ModuleNotFoundError: No module named 'torch'"),
            new EngineBench.Result("torchsharp", new double[] { 500, 480, 520 }, Check: "max |diff| 0.0E+000"),
            new EngineBench.Result("fused", new double[] { 330, 300, 310, 320 }),
        };
        var text = new StringWriter();
        EngineBench.Report(text, "resnet50 eval", results, json: false);
        string output = text.ToString();
        var fused = output.Split('\n').Single(l => l.TrimStart().StartsWith("fused ", StringComparison.Ordinal));
        Assert.Contains("315.00", fused);                              // the median of an even count
        Assert.Contains((500.0 / 315).ToString("F3", System.Globalization.CultureInfo.InvariantCulture) + "x", fused);
        Assert.Contains("speedup vs torchsharp", output);
        Assert.Contains("pytorch unavailable: ModuleNotFoundError", output);
        Assert.Contains("fastest: fused, " + (500.0 / 315).ToString("F3", System.Globalization.CultureInfo.InvariantCulture) + "x ahead of torchsharp", output);

        var json = new StringWriter();
        EngineBench.Report(json, "resnet50 eval", results, json: true);
        using var doc = JsonDocument.Parse(json.ToString());
        Assert.Equal("torchsharp", doc.RootElement.GetProperty("baseline").GetString());
        var rows = doc.RootElement.GetProperty("engines").EnumerateArray().ToList();
        Assert.Equal("ModuleNotFoundError: No module named 'torch'", rows[0].GetProperty("unavailable").GetString());
        Assert.Equal(500, rows[1].GetProperty("median_ms").GetDouble());
        Assert.Equal(1.0, rows[1].GetProperty("speedup").GetDouble());
        Assert.Equal(Math.Round(500.0 / 315, 4), rows[2].GetProperty("speedup").GetDouble());
        Assert.Equal(300, rows[2].GetProperty("min_ms").GetDouble());
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => ZooCliTests.Run(args);

    [Fact]
    public void Engines_refuses_vs_train_fuse_and_unknown_names_and_profile_and_spin_after_run_need_their_options()
    {
        Assert.Equal(2, Run("bench", "resnet18", "--engines", "fused", "--vs", "resnet34").Code);
        Assert.Contains("--train", Run("bench", "resnet18", "--engines", "fused", "--train").Err);
        Assert.Contains("leave out --fuse", Run("bench", "resnet18", "--engines", "fused", "--fuse").Err);
        Assert.Contains("unknown engine 'tvm'", Run("bench", "resnet18", "--engines", "tvm").Err);
        Assert.Contains("--profile goes with --engines", Run("bench", "resnet18", "--profile").Err);
        Assert.Contains("--profile prints its tables as text", Run("bench", "resnet18", "--engines", "fused", "--profile", "--json").Err);
        Assert.Contains("--profile prints its tables as text", Run("bench", "resnet18", "--vs", "resnet34", "--fuse", "--profile", "--json").Err);
        Assert.Contains("name fused-spin-after-run", Run("bench", "resnet18", "--engines", "fused", "--spin-after-run").Err);
        Assert.Contains("it goes with --fuse", Run("bench", "resnet18", "--spin-after-run").Err);
    }

    [Fact]
    public void Without_a_python_the_pytorch_engines_are_unavailable_with_the_reason_and_the_rest_runs()
    {
        var before = Environment.GetEnvironmentVariable("PIXGEN_PYTHON");
        Environment.SetEnvironmentVariable("PIXGEN_PYTHON", "/nonexistent/python3");
        try
        {
            var (code, output, error) = Run("bench", "resnet18", "--engines", "fused,pytorch,pytorch-jit", "--rounds", "1", "--warmup", "0");
            Assert.True(code == 0, error);
            Assert.Contains("pytorch unavailable: cannot start /nonexistent/python3", output);
            Assert.Contains("pytorch-jit unavailable: cannot start /nonexistent/python3", output);
            Assert.Single(output.Split('\n'), l => l.TrimStart().StartsWith("fused ", StringComparison.Ordinal) && l.Contains("1.000x"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PIXGEN_PYTHON", before);
        }
    }

    [Fact]
    public void Profile_runs_once_for_each_engine_of_the_list_that_runs_on_onnx_runtime_with_its_settings()
    {
        var (code, output, error) = Run("bench", "mobilenet_v3_small_pix", "--engines", "torchsharp,fused,fused-nchw-pix,fused-standard-ops",
                                        "--rounds", "1", "--warmup", "0", "--profile");
        Assert.True(code == 0, error);
        var headers = output.Split('\n').Where(l => l.StartsWith("ONNX Runtime per-node profile", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, headers.Count);
        Assert.Contains("as fused runs it", headers[0]);
        Assert.Contains("as fused-nchw-pix runs it", headers[1]);
        Assert.Contains("PiXGen's operator, 0 on the blocked layout", headers[1]);
        Assert.Contains("as fused-standard-ops runs it", headers[2]);
        Assert.Contains("ONNX's standard operators", headers[2]);
        if (OnnxRuntimeEngine.NativePiXLibrary is not null) Assert.Contains("PiXGen's operator", headers[0]);
    }

    [Fact]
    public void Engines_times_the_csharp_engines_on_one_network_and_checks_their_outputs()
    {
        var (code, output, error) = Run("bench", "resnet18", "--engines", "torchsharp,fused,fused-torchsharp,fused-spin-after-run,onnxruntime", "--rounds", "1", "--warmup", "0", "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.GetProperty("engines").EnumerateArray().ToList();
        Assert.Equal(new[] { "torchsharp", "fused", "fused-torchsharp", "fused-spin-after-run", "onnxruntime" }, rows.Select(r => r.GetProperty("engine").GetString()));
        foreach (var row in rows)
        {
            Assert.True(row.GetProperty("median_ms").GetDouble() > 0);
            // "max |diff| d": every engine's output is the module's
            double diff = double.Parse(row.GetProperty("check").GetString()!.Split(' ').Last(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(diff <= 1e-4, row.ToString());
        }
    }
}
