using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using PiXGen.CudaCheck;
using PiXGen.Generators.Emit;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Tests;

/// <summary>
/// The CUDA C emitter: snapshots of the source for a few layers, structural checks for every dtype/mode/group
/// shape, τ rounding, names and errors, and — when g++ is installed — the emitted source compiled for the host
/// with a small shim (CUDA's keywords and intrinsics as C++) and run block by block on the CPU against the float64
/// reference. The emulation checks the kernels' arithmetic, indexing, short groups, odd sizes, the scalar and the
/// vector load paths, the 16-bit conversions and (with one OS thread per CUDA thread) the block reductions; it cannot
/// check the GPU itself (memory model, alignment faults, NVRTC's dialect, the inline-PTX float16 conversions, speed):
/// that is the device harness's job (device/README.md).
/// </summary>
public class CudaKernelEmitterTests
{
    private static readonly CudaKernelSpec ResNetF32 =
        new("layer1.0.conv1", 256, 4, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.Float32);

    [Fact]
    public void Snapshot_ResNetLayer_Float32() => Snapshot.Verify(CudaKernelEmitter.Emit(ResNetF32).Source, "cu");

    [Fact]
    public void Snapshot_PartialGroup_AvgOnly_L1_Float16() =>
        Snapshot.Verify(CudaKernelEmitter.Emit(new CudaKernelSpec("features.3", 10, 4, 0.5, CudaPiXMode.AvgOnly,
                                                                 CudaPiXContext.L1, CudaDType.Float16)).Source, "cu");

    [Fact]
    public void Snapshot_Inference_BatchNormReLU_BFloat16() =>
        Snapshot.Verify(CudaKernelEmitter.Emit(new CudaKernelSpec("stage2.pix", 64, 2, 0.3, CudaPiXMode.MaxOnly, CudaPiXContext.Mean,
                                                                 CudaDType.BFloat16, new CudaEpilogue(true, CudaActivation.ReLU))).Source, "cu");

    [Fact]
    public void Snapshot_RenderedClass()
    {
        var sources = new[] {
            CudaKernelEmitter.Emit(new CudaKernelSpec("a.b", 6, 3, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.Float32)),
            CudaKernelEmitter.Emit(new CudaKernelSpec("a.b", 6, 3, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.Float16)),
        };
        Snapshot.Verify(CudaKernelEmitter.RenderClass("Demo.Nets", "TinyPiXCudaKernels", sources), "cs");
    }

    public static IEnumerable<object[]> AllShapes()
    {
        foreach (CudaDType dt in Enum.GetValues(typeof(CudaDType)))
            foreach (CudaPiXMode mode in Enum.GetValues(typeof(CudaPiXMode)))
                foreach (var (c, zeta) in new[] { (256, 4), (10, 4), (5, 1), (3, 8) })
                    foreach (var epi in new CudaEpilogue?[] { null, new(true, CudaActivation.SiLU), new(false, CudaActivation.ReLU6) })
                        yield return new object[] { dt, mode, c, zeta, epi! };
    }

    [Theory]
    [MemberData(nameof(AllShapes))]
    public void Source_IsBalanced_AndNamesEachEntryOnce(CudaDType dtype, CudaPiXMode mode, int c, int zeta, CudaEpilogue? epilogue)
    {
        var spec = new CudaKernelSpec("net.layer_1", c, zeta, 0.5, mode, CudaPiXContext.Mean, dtype, epilogue);
        var k = CudaKernelEmitter.Emit(spec);
        var noComments = Regex.Replace(k.Source, @"//[^\n]*", "");
        var code = Regex.Replace(noComments, "\"[^\"\\n]*\"", "\"\"");   // and no string literals
        foreach (var (open, close) in new[] { ('{', '}'), ('(', ')'), ('[', ']') }) {
            int depth = 0;
            foreach (char ch in code) {
                if (ch == open) depth++;
                else if (ch == close && --depth < 0) break;
            }
            Assert.True(depth == 0, $"unbalanced {open}{close} in {k.Prefix}");
        }
        Assert.Equal($"pix_net_layer_1_{CudaKernelEmitter.DTypeSuffix(dtype)}", k.Prefix);
        var kinds = epilogue is null ? new[] { "fwd", "bwd", "ctx", "gate" } : new[] { "fwd", "inf", "bwd", "ctx", "gate" };
        foreach (var kind in kinds)
            Assert.Single(Regex.Matches(noComments, $@"extern ""C"" __global__ void __launch_bounds__\(\d+\) {k.Prefix}_{kind}\("));
        Assert.Equal(kinds.Length, Regex.Matches(noComments, "extern \"C\"").Count);
        Assert.DoesNotContain("#include", k.Source);
        Assert.Contains(dtype == CudaDType.Float32 ? "typedef float pix_t;" : "typedef unsigned short pix_t;", k.Source);
        Assert.Contains($"static constexpr int PIX_C = {c};", k.Source);
        Assert.Contains($"static constexpr int PIX_ZETA = {zeta};", k.Source);
        Assert.Contains($"static constexpr int PIX_V = {CudaKernelEmitter.VectorWidth(dtype)};", k.Source);
        int rest = c % zeta;
        // The short last group gets its own instantiation with its size as a literal.
        Assert.Equal(rest > 0, k.Source.Contains($"pix_forward_unit<{rest}, false>"));
        Assert.Equal(rest > 0, k.Source.Contains($"pix_backward_unit<{rest}>"));
        Assert.Equal(c >= zeta, k.Source.Contains("pix_backward_unit<PIX_ZETA>"));
        Assert.Equal(epilogue?.BatchNorm == true, k.Source.Contains("const float* __restrict__ scale"));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.3)]
    [InlineData(0.1)]
    [InlineData(1e-6)]
    [InlineData(0.6666666)]
    [InlineData(70000.0)]
    [InlineData(-2.71828)]
    public void Tau_IsRoundedLikeTheStorageType(double tau)
    {
        Assert.Equal((float)tau, CudaKernelEmitter.RoundTau(tau, CudaDType.Float32));
        Assert.Equal((float)(Half)(float)tau, CudaKernelEmitter.RoundTau(tau, CudaDType.Float16));
        Assert.Equal((float)PiXReference.Round(tau, CudaDType.BFloat16), CudaKernelEmitter.RoundTau(tau, CudaDType.BFloat16));
        // The literal in the source is that rounded value.
        var src = CudaKernelEmitter.Emit(ResNetF32 with { Tau = tau, DType = CudaDType.Float16 }).Source;
        var literal = Regex.Match(src, @"PIX_TAU = ([^;]+)f;").Groups[1].Value;
        float expected = (float)(Half)(float)tau;
        Assert.Equal(float.IsInfinity(expected) ? float.MaxValue : expected, float.Parse(literal, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Prefix_ReplacesPunctuation_AndCollisionsAreAnError()
    {
        Assert.Equal("pix_layer1_0_conv1_bf16", CudaKernelEmitter.Prefix("layer1.0.conv1", CudaDType.BFloat16));
        var a = CudaKernelEmitter.Emit(ResNetF32 with { Layer = "a.b" });
        var b = CudaKernelEmitter.Emit(ResNetF32 with { Layer = "a_b" });
        var ex = Assert.Throws<ArgumentException>(() => CudaKernelEmitter.RenderClass(null, "K", new[] { a, b }));
        Assert.Contains("'a.b' and 'a_b'", ex.Message);
        Assert.Contains("pix_a_b_f32", ex.Message);
    }

    [Fact]
    public void RenderedClass_CompilesAgainstTheRuntime()
    {
        var sources = new[] { CudaDType.Float32, CudaDType.Float16, CudaDType.BFloat16 }
            .Select(dt => CudaKernelEmitter.Emit(ResNetF32 with { DType = dt, Tau = 0.1 })).ToArray();
        var text = CudaKernelEmitter.RenderClass("Demo", "ResNetCudaKernels", sources) +
                   "namespace Demo { public static class Use { public static void Go() => ResNetCudaKernels.Register(); } }";
        var problems = GeneratorHarness.Compile(text).GetDiagnostics()
            .Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Contains("global::PiXGen.Cuda.PiXCuda.Register(\"layer1.0.conv1\", 256, 4, 0.1, (global::PiXGen.PiX.PiXMode)0, \"bf16\", \"pix_layer1_0_conv1_bf16\", pix_layer1_0_conv1_bf16);", text);
    }

    [Fact]
    public void RenderedClass_HoldsTheSourceVerbatim()
    {
        var k = CudaKernelEmitter.Emit(ResNetF32 with { DType = CudaDType.Float16 });   // has asm("...") quotes
        var cs = CudaKernelEmitter.RenderClass(null, "K", new[] { k });
        var m = Regex.Match(cs, "public const string " + k.Prefix + " = @\"\n(.*?)\n\";", RegexOptions.Singleline);
        Assert.True(m.Success);
        Assert.Equal(k.Source.TrimEnd('\n'), m.Groups[1].Value.Replace("\"\"", "\""));
    }

    [Fact]
    public void LaunchGeometry_MatchesTheRuntime()
    {
        Assert.Equal(PiXGen.Cuda.PiXCudaLaunch.ForwardBlock, CudaKernelEmitter.ForwardBlock);
        Assert.Equal(PiXGen.Cuda.PiXCudaLaunch.BackwardBlock, CudaKernelEmitter.BackwardBlock);
        Assert.Equal(PiXGen.Cuda.PiXCudaLaunch.ContextBlock, CudaKernelEmitter.ContextBlock);
        Assert.Equal(PiXGen.Cuda.PiXCudaLaunch.GateBlock, CudaKernelEmitter.GateBlock);
        foreach (CudaDType dt in Enum.GetValues(typeof(CudaDType)))
            Assert.Equal(PiXGen.Cuda.PiXCudaLaunch.VectorWidth(PiXReference.Size(dt)), CudaKernelEmitter.VectorWidth(dt));
        // The registry key's dtype names are the emitter's suffixes.
        Assert.Equal(new[] { "f32", "f16", "bf16" },
                     new[] { CudaDType.Float32, CudaDType.Float16, CudaDType.BFloat16 }.Select(CudaKernelEmitter.DTypeSuffix));
    }

    [Theory]
    [InlineData("", 8, 2, 0.5, "layer name is empty")]
    [InlineData("l", 0, 2, 0.5, "'l': C must be at least 1; got 0")]
    [InlineData("l", 8, 0, 0.5, "'l': ζ must be at least 1; got 0")]
    [InlineData("l", 8, 2, double.NaN, "'l': τ must be finite")]
    public void BadSpec_IsOneClearError(string layer, int c, int zeta, double tau, string message)
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            CudaKernelEmitter.Emit(new CudaKernelSpec(layer, c, zeta, tau, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.Float32)));
        Assert.Contains(message, ex.Message);
    }

    // ------------------------------------------------------------------ host emulation with g++

    private sealed record Case(CudaKernelSpec Spec, int N, int H, int W, bool Bias, bool Nan = false);

    private static readonly Case[] Cases = {
        new(new("e.f32.pom", 8, 4, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.Float32), 3, 4, 8, false, Nan: true),
        new(new("e.f32.partial", 10, 4, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.L1, CudaDType.Float32,
                new CudaEpilogue(true, CudaActivation.SiLU)), 2, 5, 7, true),
        new(new("e.f32.zeta1", 5, 1, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.Float32), 2, 3, 3, false),
        new(new("e.f16.max", 7, 3, 0.5, CudaPiXMode.MaxOnly, CudaPiXContext.Mean, CudaDType.Float16,
                new CudaEpilogue(false, CudaActivation.ReLU)), 2, 3, 5, true),
        new(new("e.f16.avg", 12, 2, 0.5, CudaPiXMode.AvgOnly, CudaPiXContext.Mean, CudaDType.Float16,
                new CudaEpilogue(true, CudaActivation.ReLU6)), 2, 4, 4, false),
        new(new("e.bf16.pom", 9, 4, 0.45, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.BFloat16), 2, 2, 8, true),
        new(new("e.bf16.odd", 6, 4, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.L1, CudaDType.BFloat16,
                new CudaEpilogue(true, CudaActivation.ReLU)), 3, 3, 3, false),
        // Planes longer than one warp's vectors (32 × V pixels), so several warps meet in the block reductions.
        new(new("e.f32.warps", 6, 4, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, CudaDType.Float32), 2, 17, 19, false),
        new(new("e.f16.warps", 4, 2, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.L1, CudaDType.Float16), 2, 24, 24, true),
    };

    private static string? FindGpp()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "g++"))) return Path.Combine(dir, "g++");
        return null;
    }

    [SkippableFact]
    public void HostEmulation_EveryKernel_MatchesTheReference()
    {
        var gpp = FindGpp();
        Skip.If(gpp is null, "g++ is not on PATH: the emitted CUDA C cannot be compiled for the host (install g++ to run this check).");

        var dir = Path.Combine(Path.GetTempPath(), "pixgen-cuda-emulation-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try {
            var rng = new Random(1234);
            var inputs = new List<Inputs>();
            var main = new StringBuilder(HostShim);
            var calls = new StringBuilder();
            for (int i = 0; i < Cases.Length; i++) {
                var k = CudaKernelEmitter.Emit(Cases[i].Spec);
                File.WriteAllText(Path.Combine(dir, $"c{i}.cu"), k.Source);
                main.Append($"namespace c{i} {{\n#include \"c{i}.cu\"\n}}\n");
                var inp = MakeInputs(Cases[i], rng, dir, i);
                inputs.Add(inp);
                calls.Append(DriverCalls(Cases[i], k, i));
            }
            main.Append("int main()\n{\n").Append(calls).Append("    return 0;\n}\n");
            File.WriteAllText(Path.Combine(dir, "main.cpp"), main.ToString());

            Run(gpp!, "-std=c++20 -pthread -O1 -Wall -Wextra -Werror -Wno-unused-function -Wno-unknown-pragmas -o emu main.cpp", dir, "g++");
            Run(Path.Combine(dir, "emu"), "", dir, "emulated kernels");

            var failures = new List<string>();
            for (int i = 0; i < Cases.Length; i++) failures.AddRange(Check(Cases[i], inputs[i], dir, i));
            Assert.True(failures.Count == 0, string.Join("\n", failures));
        } finally {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private sealed record Inputs(double[] X, double[] P, double[] G, double[] W, double[]? B, double[] Scale, double[] Shift, double[] Z);

    private static Inputs MakeInputs(Case cs, Random rng, string dir, int i)
    {
        var s = cs.Spec;
        int c = s.InChannels, co = (c + s.Zeta - 1) / s.Zeta, hw = cs.H * cs.W;
        double[] R(int count, double lo, double hi) =>
            Enumerable.Range(0, count).Select(_ => PiXReference.Round(lo + (hi - lo) * rng.NextDouble(), s.DType)).ToArray();
        var x = R(cs.N * c * hw, -2, 2);
        if (cs.Nan) x[(1 * c + 1) * hw + 3] = double.NaN;      // sample 1, channel 1 (group 0), pixel 3
        // Ties in the maximum: channel 2 copies channel 0 at pixel 0 of every sample.
        for (int n = 0; n < cs.N && c > 2; n++) x[(n * c + 2) * hw] = x[(n * c) * hw];
        var inp = new Inputs(x, R(cs.N * co, 0.02, 0.98), R(cs.N * co * hw, -1, 1), R(co * c, -0.5, 0.5),
                             cs.Bias ? R(co, -0.5, 0.5) : null,
                             Enumerable.Range(0, co).Select(_ => (double)(float)(0.5 + rng.NextDouble())).ToArray(),
                             Enumerable.Range(0, co).Select(_ => (double)(float)(rng.NextDouble() - 0.5)).ToArray(),
                             PiXReference.Context(x, cs.N, c, hw, s.Context).z.Select(v => (double)(float)v).ToArray());
        void W(string name, double[] v, CudaDType dt) => File.WriteAllBytes(Path.Combine(dir, $"c{i}_{name}.bin"), PiXReference.ToBytes(v, dt));
        W("x", inp.X, s.DType); W("p", inp.P, s.DType); W("g", inp.G, s.DType); W("w", inp.W, s.DType);
        if (inp.B is not null) W("b", inp.B, s.DType);
        W("scale", inp.Scale, CudaDType.Float32); W("shift", inp.Shift, CudaDType.Float32); W("zin", inp.Z, CudaDType.Float32);
        return inp;
    }

    /// <summary>The C++ that runs case <paramref name="i"/>'s kernels over their grids and writes the outputs.</summary>
    private static string DriverCalls(Case cs, CudaKernelSource k, int i)
    {
        var s = cs.Spec;
        int c = s.InChannels, co = (c + s.Zeta - 1) / s.Zeta, hw = cs.H * cs.W, v = CudaKernelEmitter.VectorWidth(s.DType);
        int n = cs.N;
        string t = s.DType == CudaDType.Float32 ? "float" : "unsigned short";
        string ns = $"c{i}::{k.Prefix}";
        string F(string name) => $"\"c{i}_{name}.bin\"";
        int fwdBlocksY = ((hw + v - 1) / v + CudaKernelEmitter.ForwardBlock - 1) / CudaKernelEmitter.ForwardBlock;
        var sb = new StringBuilder();
        sb.Append("    {\n");
        sb.Append($"        auto x = rd<{t}>({F("x")}, {n * c * hw}); auto p = rd<{t}>({F("p")}, {n * co}); auto g = rd<{t}>({F("g")}, {n * co * hw});\n");
        sb.Append($"        auto w = rd<{t}>({F("w")}, {co * c}); auto zin = rd<float>({F("zin")}, {n * c});\n");
        sb.Append($"        auto scale = rd<float>({F("scale")}, {co}); auto shift = rd<float>({F("shift")}, {co});\n");
        sb.Append(cs.Bias ? $"        auto b = rd<{t}>({F("b")}, {co}); const {t}* bp = b.data();\n" : $"        const {t}* bp = nullptr;\n");
        sb.Append($"        std::vector<{t}> y({n * co * hw}), dx({n * c * hw}), dp({n * co}), pg({n * co}); std::vector<float> z({n * c});\n");
        foreach (int vec in hw % v == 0 ? new[] { 0, 1 } : new[] { 0 }) {
            string sfx = vec == 1 ? "v" : "";
            sb.Append($"        launch({n * co}, {fwdBlocksY}, {CudaKernelEmitter.ForwardBlock}, [&] {{ {ns}_fwd(x.data(), p.data(), y.data(), {hw}, {vec}); }}); wr({F("y" + sfx)}, y);\n");
            if (s.Epilogue is { } e) {
                string bn = e.BatchNorm ? "scale.data(), shift.data(), " : "";
                sb.Append($"        launch({n * co}, {fwdBlocksY}, {CudaKernelEmitter.ForwardBlock}, [&] {{ {ns}_inf(x.data(), p.data(), y.data(), {bn}{hw}, {vec}); }}); wr({F("yi" + sfx)}, y);\n");
            }
            // One thread per block (see HostShim).
            sb.Append($"        launch({n * co}, 1, 1, [&] {{ {ns}_bwd(x.data(), p.data(), g.data(), dx.data(), dp.data(), {hw}, {vec}); }}); wr({F("dx" + sfx)}, dx); wr({F("dp" + sfx)}, dp);\n");
            sb.Append($"        launch({n * c}, 1, 1, [&] {{ {ns}_ctx(x.data(), z.data(), {hw}, {vec}); }}); wr({F("z" + sfx)}, z);\n");
            // The real block sizes, every thread a thread: the strided loops, warp shuffles, shared memory, barriers.
            sb.Append($"        std::fill(dx.begin(), dx.end(), ({t})0); std::fill(dp.begin(), dp.end(), ({t})0);\n");
            sb.Append($"        launch_threads({n * co}, 1, {CudaKernelEmitter.BackwardBlock}, [&] {{ {ns}_bwd(x.data(), p.data(), g.data(), dx.data(), dp.data(), {hw}, {vec}); }}); wr({F("dxt" + sfx)}, dx); wr({F("dpt" + sfx)}, dp);\n");
            sb.Append($"        launch_threads({n * c}, 1, {CudaKernelEmitter.ContextBlock}, [&] {{ {ns}_ctx(x.data(), z.data(), {hw}, {vec}); }}); wr({F("zt" + sfx)}, z);\n");
        }
        sb.Append($"        std::fill(dp.begin(), dp.end(), ({t})0);\n");
        sb.Append($"        launch({n * co}, 1, 1, [&] {{ {ns}_bwd(x.data(), p.data(), g.data(), nullptr, dp.data(), {hw}, 0); }}); wr({F("dpn")}, dp);\n");
        sb.Append($"        launch({n}, 1, 1, [&] {{ {ns}_gate(zin.data(), w.data(), bp, pg.data()); }}); wr({F("pg")}, pg);\n");
        sb.Append("    }\n");
        return sb.ToString();
    }

    private static IEnumerable<string> Check(Case cs, Inputs inp, string dir, int i)
    {
        var s = cs.Spec;
        int c = s.InChannels, co = (c + s.Zeta - 1) / s.Zeta, hw = cs.H * cs.W, v = CudaKernelEmitter.VectorWidth(s.DType);
        double tau = CudaKernelEmitter.RoundTau(s.Tau, s.DType);
        double[] Read(string name, CudaDType dt) => PiXReference.FromBytes(File.ReadAllBytes(Path.Combine(dir, $"c{i}_{name}.bin")), dt);
        var results = new List<string>();
        void Cmp(string what, double[] actual, double[] expected, double[] mag, double tol)
        {
            var (ok, worst, at) = PiXReference.Compare(actual, expected, mag, tol);
            if (!ok)
                results.Add($"{s.Layer} ({s.DType}, {cs.N}x{c}x{cs.H}x{cs.W}) {what}: element {at} is {actual[at]}, expected {expected[at]} " +
                            $"({worst:G3} × the tolerance)");
        }
        double tolE = PiXReference.Tolerance(s.DType, false), tolR = PiXReference.Tolerance(s.DType, true);
        var (y, ym) = PiXReference.Forward(inp.X, inp.P, cs.N, c, hw, s.Zeta, tau, s.Mode);
        var (dx, dp, dpm) = PiXReference.Backward(inp.X, inp.P, inp.G, cs.N, c, hw, s.Zeta, tau, s.Mode);
        var (z, zm) = PiXReference.Context(inp.X, cs.N, c, hw, s.Context);
        var dxm = dx.Select(Math.Abs).ToArray();
        foreach (var sfx in hw % v == 0 ? new[] { "", "v" } : new[] { "" }) {
            Cmp("forward" + sfx, Read("y" + sfx, s.DType), y, ym, tolE);
            if (s.Epilogue is { } e) {
                var (yi, yim) = PiXReference.Forward(inp.X, inp.P, cs.N, c, hw, s.Zeta, tau, s.Mode,
                                                     e.BatchNorm ? inp.Scale : null, e.BatchNorm ? inp.Shift : null, e.Activation);
                Cmp("inference" + sfx, Read("yi" + sfx, s.DType), yi, yim, tolE);
            }
            Cmp("dX" + sfx, Read("dx" + sfx, s.DType), dx, dxm, tolE);
            Cmp("dp" + sfx, Read("dp" + sfx, s.DType), dp, dpm, tolR);
            Cmp("context" + sfx, Read("z" + sfx, CudaDType.Float32), z, zm, PiXReference.Tolerance(CudaDType.Float32, true));
            Cmp("dX, threaded" + sfx, Read("dxt" + sfx, s.DType), dx, dxm, tolE);
            Cmp("dp, threaded" + sfx, Read("dpt" + sfx, s.DType), dp, dpm, tolR);
            Cmp("context, threaded" + sfx, Read("zt" + sfx, CudaDType.Float32), z, zm, PiXReference.Tolerance(CudaDType.Float32, true));
        }
        Cmp("dp without dX", Read("dpn", s.DType), dp, dpm, tolR);
        var (pg, pgm) = PiXReference.Gate(inp.Z, inp.W, inp.B, cs.N, c, co);
        Cmp("gate", Read("pg", s.DType), pg, pgm, tolR);
        return results;
    }

    private static void Run(string file, string args, string dir, string what)
    {
        var psi = new ProcessStartInfo(file, args) {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var proc = Process.Start(psi)!;
        var stderr = proc.StandardError.ReadToEndAsync();
        var stdout = proc.StandardOutput.ReadToEnd();
        proc.WaitForExit();
        if (proc.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"{what} failed (exit {proc.ExitCode}):\n{stdout}\n{stderr.Result}");
    }

    /// <summary>
    /// CUDA as host C++: the qualifiers vanish, <c>__shared__</c> is <c>static</c> (one block runs at a time).
    /// <c>launch</c> runs the threads of each block one after the other (forward kernels; the reductions with one
    /// thread per block, where a warp shuffle from an absent lane adds 0); <c>launch_threads</c> runs every thread of
    /// a block as an OS thread with a block barrier for <c>__syncthreads</c> and a barrier per warp for
    /// <c>__shfl_down_sync</c> (lanes past the warp's end return the caller's own value, as on the GPU).
    /// </summary>
    private const string HostShim = """
        #define PIX_HOST_EMULATION 1
        #include <algorithm>
        #include <cmath>
        #include <cstdio>
        #include <cstdlib>
        #include <cstring>
        #include <vector>
        #include <barrier>
        #include <memory>
        #include <thread>
        struct dim3 { unsigned x = 0, y = 0, z = 0; };
        static thread_local dim3 threadIdx;
        static dim3 blockIdx, blockDim, gridDim;
        struct alignas(16) uint4 { unsigned x, y, z, w; };
        #define __global__
        #define __device__
        #define __forceinline__ inline
        #define __launch_bounds__(n)
        #define __shared__ static
        static bool pix_threaded = false;
        static std::barrier<>* pix_block_barrier = nullptr;
        static std::vector<std::unique_ptr<std::barrier<>>> pix_warp_barriers;
        static float pix_lanes[1024];
        static inline void __syncthreads() { if (pix_threaded) pix_block_barrier->arrive_and_wait(); }
        static inline float __shfl_down_sync(unsigned, float v, int o)
        {
            if (!pix_threaded) return 0.0f;   // one thread per block: the absent lanes hold nothing
            unsigned t = threadIdx.x, lane = t & 31u;
            auto& warp = *pix_warp_barriers[t >> 5];
            pix_lanes[t] = v;
            warp.arrive_and_wait();
            float r = lane + (unsigned)o < 32u ? pix_lanes[t + o] : v;
            warp.arrive_and_wait();
            return r;
        }
        static inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
        static inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, 4); return f; }
        static inline float pix_host_half_to_float(unsigned short h) { _Float16 f; std::memcpy(&f, &h, 2); return (float)f; }
        static inline unsigned short pix_host_float_to_half(float v) { _Float16 f = (_Float16)v; unsigned short h; std::memcpy(&h, &f, 2); return h; }
        template <class T> static std::vector<T> rd(const char* path, size_t count)
        {
            std::vector<T> v(count);
            FILE* f = std::fopen(path, "rb");
            if (!f || std::fread(v.data(), sizeof(T), count, f) != count) { std::fprintf(stderr, "cannot read %s\n", path); std::exit(2); }
            std::fclose(f);
            return v;
        }
        template <class T> static void wr(const char* path, const std::vector<T>& v)
        {
            FILE* f = std::fopen(path, "wb");
            if (!f || std::fwrite(v.data(), sizeof(T), v.size(), f) != v.size()) { std::fprintf(stderr, "cannot write %s\n", path); std::exit(2); }
            std::fclose(f);
        }
        // Every thread of a block as an OS thread: block-wide barrier for __syncthreads, one barrier per warp for
        // the shuffles; blocks run one after the other.
        template <class F> static void launch_threads(unsigned gx, unsigned gy, unsigned bx, F f)
        {
            gridDim = dim3{gx, gy, 1}; blockDim = dim3{bx, 1, 1};
            pix_threaded = true;
            for (unsigned y = 0; y < gy; ++y)
                for (unsigned x = 0; x < gx; ++x) {
                    blockIdx = dim3{x, y, 0};
                    std::barrier<> block(bx);
                    pix_block_barrier = &block;
                    pix_warp_barriers.clear();
                    for (unsigned w = 0; w < bx / 32; ++w) pix_warp_barriers.push_back(std::make_unique<std::barrier<>>(32));
                    std::vector<std::thread> threads;
                    for (unsigned t = 0; t < bx; ++t) threads.emplace_back([&f, t] { threadIdx = dim3{t, 0, 0}; f(); });
                    for (auto& th : threads) th.join();
                }
            pix_threaded = false;
        }
        template <class F> static void launch(unsigned gx, unsigned gy, unsigned bx, F f)
        {
            gridDim = dim3{gx, gy, 1}; blockDim = dim3{bx, 1, 1};
            for (unsigned y = 0; y < gy; ++y)
                for (unsigned x = 0; x < gx; ++x)
                    for (unsigned t = 0; t < bx; ++t) { blockIdx = dim3{x, y, 0}; threadIdx = dim3{t, 0, 0}; f(); }
        }

        """;
}
