using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Checkpoints;
using PiXGen.Zoo;
using static PiXGen.Tests.CheckpointTestSupport;

namespace PiXGen.Tests;

/// <summary>The zoo's predict command (PredictCommand.Run, wired to the CLI's <c>predict</c> elsewhere).</summary>
public class PredictCommandTests
{
    private static (int Code, string Out, string Err) Run(string model, string weights, string input, bool fuse = false, bool json = false)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PredictCommand.Run(model, weights, input, fuse, json, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static void AssertOneLineError((int Code, string Out, string Err) r, params string[] fragments)
    {
        Assert.Equal(1, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.DoesNotContain("   at ", r.Err);
        foreach (var f in fragments) Assert.Contains(f, lines[0]);
    }

    [Fact]
    public void Json_logits_of_the_pytorch_fixture_match_pytorch()
    {
        var r = Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), Fixture("input_2x3x64x64.npy"), json: true);

        Assert.Equal(0, r.Code);
        Assert.Equal("", r.Err);
        var last = r.Out.TrimEnd().Split('\n').Last();
        using var doc = JsonDocument.Parse(last);
        Assert.Equal("mobilenet_v2", doc.RootElement.GetProperty("model").GetString());
        Assert.Equal(new long[] { 2, 1000 }, doc.RootElement.GetProperty("output_shape").EnumerateArray().Select(x => x.GetInt64()));
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        var (expected, _) = Npy.Read(Fixture("mobilenet_v2_logits.npy"));
        double error = RelativeL2(logits, expected);
        Assert.True(error <= 1e-5, $"relative L2 difference {error:E2} from PyTorch's logits");
        // The text summary names the top class of each sample, which is PyTorch's arg-max.
        for (int n = 0; n < 2; n++)
        {
            var row = expected.Skip(n * 1000).Take(1000).ToArray();
            int top = Array.IndexOf(row, row.Max());
            Assert.Contains($"sample {n}: top-5 {top}: ", r.Out);
        }
    }

    [Fact]
    public void Without_json_there_is_no_json_line()
    {
        var r = Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), Fixture("input_2x3x64x64.npy"));
        Assert.Equal(0, r.Code);
        Assert.DoesNotContain("{", r.Out);
        Assert.Contains("output   2x1000", r.Out);
    }

    [Fact]
    public void Fused_inference_reproduces_pytorchs_logits()
    {
        var r = Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), Fixture("input_2x3x64x64.npy"), fuse: true, json: true);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("fused for inference", r.Out);
        using var doc = JsonDocument.Parse(r.Out.TrimEnd().Split('\n').Last());
        var logits = doc.RootElement.GetProperty("logits").EnumerateArray().Select(x => x.GetSingle()).ToArray();
        var (expected, _) = Npy.Read(Fixture("mobilenet_v2_logits.npy"));
        double error = RelativeL2(logits, expected);
        Assert.True(error <= 1e-5, $"relative L2 difference {error:E2} from PyTorch's logits");
    }

    [Fact]
    public void Missing_weights_file()
    {
        var r = Run("mobilenet_v2", "/nonexistent/weights.pt", Fixture("input_2x3x64x64.npy"));
        AssertOneLineError(r, "/nonexistent/weights.pt", "no such weights file");
    }

    [Fact]
    public void Missing_input_file()
    {
        var r = Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), "/nonexistent/input.npy");
        AssertOneLineError(r, "/nonexistent/input.npy", "no such input file");
    }

    [Fact]
    public void Another_networks_checkpoint()
    {
        var r = Run("resnet18", Fixture("mobilenet_v2_fp16.pt"), Fixture("input_2x3x64x64.npy"));
        AssertOneLineError(r, "mobilenet_v2_fp16.pt", "not a checkpoint of resnet18", "missing from the file", "conv1.weight [64, 3, 7, 7]", "unexpected");
    }

    [Fact]
    public void Truncated_checkpoint()
    {
        using var dir = new TempFolder();
        var bytes = File.ReadAllBytes(Fixture("mobilenet_v2_fp16.pt"));
        File.WriteAllBytes(dir.File("cut.pt"), bytes.Take(bytes.Length / 2).ToArray());
        var r = Run("mobilenet_v2", dir.File("cut.pt"), Fixture("input_2x3x64x64.npy"));
        AssertOneLineError(r, dir.File("cut.pt"), "truncated");
    }

    [Fact]
    public void Wrong_input_shape()
    {
        using var dir = new TempFolder();
        Npy.Write(dir.File("gray.npy"), new float[2 * 1 * 32 * 32], new long[] { 2, 1, 32, 32 });
        var r = Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), dir.File("gray.npy"));
        AssertOneLineError(r, "gray.npy", "input shape (2, 1, 32, 32)", "(N, 3, H, W)");
    }

    [Fact]
    public void Input_that_is_not_float32()
    {
        using var dir = new TempFolder();
        var header = System.Text.Encoding.ASCII.GetBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n");
        File.WriteAllBytes(dir.File("double.npy"),
            new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 }.Concat(header).Concat(new byte[8]).ToArray());
        var r = Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), dir.File("double.npy"));
        AssertOneLineError(r, "double.npy", "float32");
    }

    [Fact]
    public void Unknown_model()
    {
        var r = Run("mobilenet_v3", Fixture("mobilenet_v2_fp16.pt"), Fixture("input_2x3x64x64.npy"));
        AssertOneLineError(r, "unknown model 'mobilenet_v3'", "mobilenet_v2");
    }

    [Fact]
    public void Input_the_network_cannot_run_on()
    {
        using var dir = new TempFolder();
        Npy.Write(dir.File("empty.npy"), Array.Empty<float>(), new long[] { 1, 3, 0, 5 });
        var r = Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), dir.File("empty.npy"));
        AssertOneLineError(r, "mobilenet_v2 cannot run on input (1, 3, 0, 5)", "empty.npy");
    }
}

/// <summary>Issue 21: the predict command's edge inputs.</summary>
public class PredictCommandEdgeTests
{
    [Fact]
    public void A_batch_of_zero_gives_a_0_by_classes_output_as_pytorch_does()
    {
        using var dir = new TempFolder();
        var input = dir.File("empty.npy");
        Npy.Write(input, Array.Empty<float>(), new long[] { 0, 3, 64, 64 });
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PredictCommand.Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), input, false, true, o, e);
        Assert.Equal("", e.ToString());
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(o.ToString().TrimEnd().Split('\n').Last());
        Assert.Equal(new long[] { 0, 1000 }, doc.RootElement.GetProperty("output_shape").EnumerateArray().Select(x => x.GetInt64()));
        Assert.Equal(0, doc.RootElement.GetProperty("logits").GetArrayLength());
    }

    [Fact]
    public void Dev_zero_as_the_input_is_one_clear_error_line()
    {
        if (!File.Exists("/dev/zero")) return;
        var o = new StringWriter();
        var e = new StringWriter();
        int code = PredictCommand.Run("mobilenet_v2", Fixture("mobilenet_v2_fp16.pt"), "/dev/zero", false, false, o, e);
        Assert.Equal(1, code);
        Assert.Equal("error: /dev/zero: not a .npy file: it does not start with the magic \\x93NUMPY.", e.ToString().Trim());
    }
}
