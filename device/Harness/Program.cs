using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using PiXGen.Cuda;
using PiXGen.Generators.Emit;
using PiXGen.Generators.Model;

namespace PiXGen.CudaCheck;

/// <summary>
/// Checks every emitted PiX kernel on the GPU against the float64 reference and times forward/backward at the
/// guide's shape against the memory-bandwidth floor. Usage: <c>pixgen-cuda-harness [--out DIR] [--dump DIR]</c>.
/// Exit codes: 0 all checks passed, 1 a check failed, 2 no CUDA driver, 3 no NVRTC, 4 no CUDA device.
/// Timing targets are reported (MET/MISSED) but do not change the exit code.
/// </summary>
public static class Program
{
    private sealed record Case(string Name, CudaKernelSpec Spec, int N, int H, int W, bool Bias, bool Nan, bool Misaligned);

    private sealed record CheckResult(string Case, string DType, string Kernel, bool Ok, double Worst, string Detail);

    private sealed record Timing(string DType, string Kernel, double Ms, double FloorMs, double Ratio, double? Target);

    public static int Main(string[] args)
    {
        string? outDir = Arg(args, "--out");
        string? dumpDir = Arg(args, "--dump");
        CudaDriver driver;
        try {
            driver = CudaDriver.Instance;
        } catch (CudaLibraryNotFoundException e) {
            Console.Error.WriteLine($"no CUDA driver: {e.Message}");
            return 2;
        } catch (Exception e) when (e is CudaException or EntryPointNotFoundException) {
            Console.Error.WriteLine($"no usable CUDA driver: {e.Message}");
            return 2;
        }
        if (driver.DeviceCount < 1) {
            Console.Error.WriteLine("no CUDA device: the driver loaded but reports no device.");
            return 4;
        }
        Nvrtc nvrtc;
        try {
            nvrtc = Nvrtc.Instance;
        } catch (Exception e) when (e is CudaLibraryNotFoundException or EntryPointNotFoundException or CudaException) {
            Console.Error.WriteLine($"no NVRTC: {e.Message}");
            return 3;
        }
        var (major, minor) = driver.ComputeCapability(0);
        string device = driver.DeviceName(0);
        Console.WriteLine($"device 0: {device}, compute capability {major}.{minor}, driver CUDA {driver.Version / 1000}.{driver.Version % 1000 / 10}, NVRTC {nvrtc.Version}");
        driver.MakeCurrent(0);

        var checks = new List<CheckResult>();
        var sw = Stopwatch.StartNew();
        foreach (var c in Cases()) checks.AddRange(RunCase(driver, c, dumpDir));
        int failed = checks.Count(r => !r.Ok);
        Console.WriteLine($"correctness: {checks.Count - failed} passed, {failed} failed ({sw.Elapsed.TotalSeconds:F1} s)");
        foreach (var r in checks.Where(r => !r.Ok)) Console.WriteLine($"  FAIL {r.Case} {r.DType} {r.Kernel}: {r.Detail}");

        double bandwidth = MeasureCopyBandwidth(driver);
        Console.WriteLine($"device-to-device copy: {bandwidth / 1e12:F3} TB/s (bytes read + written per second)");
        var timings = new List<Timing>();
        foreach (var dt in new[] { CudaDType.Float32, CudaDType.Float16, CudaDType.BFloat16 })
            timings.AddRange(TimeGuideShape(driver, dt, bandwidth));
        Console.WriteLine();
        Console.WriteLine("| dtype | kernel | time (ms) | floor (ms) | × floor | target | |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---|");
        foreach (var t in timings)
            Console.WriteLine($"| {t.DType} | {t.Kernel} | {t.Ms:F4} | {t.FloorMs:F4} | {t.Ratio:F2} | {(t.Target is { } g ? "≤ " + g.ToString("F2", CultureInfo.InvariantCulture) : "")} | {(t.Target is { } g2 ? (t.Ratio <= g2 ? "MET" : "MISSED") : "")} |");

        if (outDir is not null) {
            Directory.CreateDirectory(outDir);
            using var stream = File.Create(Path.Combine(outDir, "harness.json"));
            using var j = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            j.WriteStartObject();
            j.WriteString("device", device);
            j.WriteString("compute_capability", $"{major}.{minor}");
            j.WriteString("nvrtc", nvrtc.Version);
            j.WriteNumber("copy_bandwidth_bytes_per_s", bandwidth);
            j.WriteNumber("checks_passed", checks.Count - failed);
            j.WriteNumber("checks_failed", failed);
            j.WriteStartArray("checks");
            foreach (var r in checks) {
                j.WriteStartObject();
                j.WriteString("case", r.Case); j.WriteString("dtype", r.DType); j.WriteString("kernel", r.Kernel);
                j.WriteBoolean("ok", r.Ok);
                if (double.IsFinite(r.Worst)) j.WriteNumber("worst_over_tolerance", r.Worst); else j.WriteNull("worst_over_tolerance");
                j.WriteString("detail", r.Detail);
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteStartArray("timings");
            foreach (var t in timings) {
                j.WriteStartObject();
                j.WriteString("dtype", t.DType); j.WriteString("kernel", t.Kernel);
                j.WriteNumber("ms", t.Ms); j.WriteNumber("floor_ms", t.FloorMs); j.WriteNumber("ratio", t.Ratio);
                if (t.Target is { } target) j.WriteNumber("target", target); else j.WriteNull("target");
                j.WriteEndObject();
            }
            j.WriteEndArray();
            j.WriteEndObject();
        }
        return failed == 0 ? 0 : 1;
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The guide's shape per dtype, then every mode × group shape × dtype at small odd sizes.</summary>
    private static IEnumerable<Case> Cases()
    {
        var dtypes = new[] { CudaDType.Float32, CudaDType.Float16, CudaDType.BFloat16 };
        foreach (var dt in dtypes)
            yield return new Case("guide 64x256x56x56 z4", new("guide.l1", 256, 4, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, dt,
                                                                new CudaEpilogue(true, CudaActivation.ReLU)), 64, 56, 56, false, false, false);
        var shapes = new (int c, int zeta, int h, int w)[] {
            (10, 4, 7, 9),     // short last group (2 channels), odd H·W
            (7, 3, 5, 5),      // short last group of 1
            (64, 2, 8, 8),     // whole vectors
            (5, 1, 3, 3),      // ζ = 1
            (3, 8, 4, 4),      // one short group only
            (32, 4, 57, 57),   // several forward blocks per plane, several warps in the reductions, odd
        };
        int k = 0;
        foreach (var dt in dtypes)
            foreach (CudaPiXMode mode in Enum.GetValues(typeof(CudaPiXMode)))
                foreach (var (c, zeta, h, w) in shapes) {
                    k++;
                    var ctx = k % 2 == 0 ? CudaPiXContext.L1 : CudaPiXContext.Mean;
                    var act = (CudaActivation)(k % 4);
                    var spec = new CudaKernelSpec($"c{k}", c, zeta, k % 3 == 0 ? 0.45 : 0.5, mode, ctx, dt, new CudaEpilogue(k % 2 == 1, act));
                    string name = $"{mode} C{c} z{zeta} {h}x{w}";
                    yield return new Case(name, spec, 3, h, w, k % 2 == 0, Nan: c == 10, Misaligned: false);
                    if (c == 64) yield return new Case(name + " misaligned", spec with { Layer = $"c{k}m" }, 3, h, w, false, false, Misaligned: true);
                }
    }

    private sealed class DeviceBuffer : IDisposable
    {
        private readonly CudaDriver driver;
        public DeviceBuffer(CudaDriver driver, long bytes, int offsetBytes = 0)
        {
            this.driver = driver;
            Base = driver.Alloc(bytes + offsetBytes + 16);
            Ptr = Base + (ulong)offsetBytes;
            Bytes = bytes;
        }
        public ulong Base { get; }
        public ulong Ptr { get; }
        public long Bytes { get; }
        public void Upload(byte[] data) => driver.CopyToDevice(Ptr, data);
        public byte[] Download() { var b = new byte[Bytes]; driver.CopyToHost(b, Ptr); return b; }
        public void Dispose() => driver.Free(Base);
    }

    private static IEnumerable<CheckResult> RunCase(CudaDriver driver, Case cs, string? dumpDir)
    {
        var s = cs.Spec;
        var results = new List<CheckResult>();
        string dt = CudaKernelEmitter.DTypeSuffix(s.DType);
        void Fail(string kernel, Exception e) => results.Add(new CheckResult(cs.Name, dt, kernel, false, double.PositiveInfinity, e.Message));
        CudaKernelModule module;
        var src = CudaKernelEmitter.Emit(s);
        try {
            module = CudaKernelModule.Get(0, s.Layer, src.Prefix, src.Source);
        } catch (CudaException e) {
            Fail("compile", e);
            return results;
        }
        int c = s.InChannels, co = (c + s.Zeta - 1) / s.Zeta, n = cs.N, es = PiXReference.Size(s.DType);
        long hw = (long)cs.H * cs.W;
        double tau = CudaKernelEmitter.RoundTau(s.Tau, s.DType);
        var rng = new Random(42 + c * 7 + (int)s.DType);
        double[] R(long count, double lo, double hi) {
            var a = new double[count];
            for (long i = 0; i < count; i++) a[i] = PiXReference.Round(lo + (hi - lo) * rng.NextDouble(), s.DType);
            return a;
        }
        var x = R(n * c * hw, -2, 2);
        if (cs.Nan) x[(1L * c + 1) * hw + 3] = double.NaN;
        for (int i = 0; i < n && c > 2; i++) x[(long)i * c * hw] = x[((long)i * c + 2) * hw];   // a tie in group 0 when ζ > 2
        var p = R(n * co, 0.02, 0.98);
        var g = R(n * co * hw, -1, 1);
        var w = R((long)co * c, -0.5, 0.5);
        var b = cs.Bias ? R(co, -0.5, 0.5) : null;
        var scale = Enumerable.Range(0, co).Select(_ => (double)(float)(0.5 + rng.NextDouble())).ToArray();
        var shift = Enumerable.Range(0, co).Select(_ => (double)(float)(rng.NextDouble() - 0.5)).ToArray();
        var (zRef, zMag) = PiXReference.Context(x, n, c, hw, s.Context);
        var z32 = zRef.Select(v => (double)(float)v).ToArray();

        int off = cs.Misaligned ? es : 0;
        using var dX = new DeviceBuffer(driver, n * c * hw * es, off);
        using var dP = new DeviceBuffer(driver, n * co * es);
        using var dG = new DeviceBuffer(driver, n * co * hw * es, off);
        using var dY = new DeviceBuffer(driver, n * co * hw * es, off);
        using var dDx = new DeviceBuffer(driver, n * c * hw * es, off);
        using var dDp = new DeviceBuffer(driver, n * co * es);
        using var dW = new DeviceBuffer(driver, (long)co * c * es);
        using var dB = new DeviceBuffer(driver, co * es);
        using var dScale = new DeviceBuffer(driver, co * 4);
        using var dShift = new DeviceBuffer(driver, co * 4);
        using var dZ = new DeviceBuffer(driver, n * c * 4);
        dX.Upload(PiXReference.ToBytes(x, s.DType));
        dP.Upload(PiXReference.ToBytes(p, s.DType));
        dG.Upload(PiXReference.ToBytes(g, s.DType));
        dW.Upload(PiXReference.ToBytes(w, s.DType));
        if (b is not null) dB.Upload(PiXReference.ToBytes(b, s.DType));
        dScale.Upload(PiXReference.ToBytes(scale, CudaDType.Float32));
        dShift.Upload(PiXReference.ToBytes(shift, CudaDType.Float32));

        double tolE = PiXReference.Tolerance(s.DType, false), tolR = PiXReference.Tolerance(s.DType, true);
        void Cmp(string kernel, double[] actual, double[] expected, double[] mag, double tol)
        {
            var (ok, worst, at) = PiXReference.Compare(actual, expected, mag, tol);
            results.Add(new CheckResult(cs.Name, dt, kernel, ok, worst,
                ok ? "" : $"element {at}: {actual[at]} vs {expected[at]} ({worst:G3} × tolerance)"));
        }
        double[] Get(DeviceBuffer buf, CudaDType t) => PiXReference.FromBytes(buf.Download(), t);
        void Try(string kernel, Action body)
        {
            try { body(); } catch (CudaException e) { Fail(kernel, e); }
        }

        var (y, ym) = PiXReference.Forward(x, p, n, c, hw, s.Zeta, tau, s.Mode);
        Try("fwd", () => {
            PiXCudaLaunch.Forward(module, dX.Ptr, dP.Ptr, dY.Ptr, n, co, hw, es);
            driver.Synchronize(s.Layer, src.Prefix + "_fwd");
            Cmp("fwd", Get(dY, s.DType), y, ym, tolE);
        });
        if (dumpDir is not null && cs.N == 64 && s.DType == CudaDType.Float32) Dump(dumpDir, dX, dP, dG, dY);
        if (s.Epilogue is { } epi) {
            var (yi, yim) = PiXReference.Forward(x, p, n, c, hw, s.Zeta, tau, s.Mode, epi.BatchNorm ? scale : null, epi.BatchNorm ? shift : null, epi.Activation);
            Try("inf", () => {
                PiXCudaLaunch.Inference(module, dX.Ptr, dP.Ptr, dY.Ptr, epi.BatchNorm, dScale.Ptr, dShift.Ptr, n, co, hw, es);
                driver.Synchronize(s.Layer, src.Prefix + "_inf");
                Cmp("inf", Get(dY, s.DType), yi, yim, tolE);
            });
        }
        var (dx, dp, dpm) = PiXReference.Backward(x, p, g, n, c, hw, s.Zeta, tau, s.Mode);
        Try("bwd", () => {
            PiXCudaLaunch.Backward(module, dX.Ptr, dP.Ptr, dG.Ptr, dDx.Ptr, dDp.Ptr, n, co, hw, es);
            driver.Synchronize(s.Layer, src.Prefix + "_bwd");
            Cmp("bwd dX", Get(dDx, s.DType), dx, dx.Select(Math.Abs).ToArray(), tolE);
            Cmp("bwd dp", Get(dDp, s.DType), dp, dpm, tolR);
            if (dumpDir is not null && cs.N == 64 && s.DType == CudaDType.Float32) Dump(dumpDir, dDx, dDp);
        });
        Try("bwd (dp only)", () => {
            driver.CopyToDevice(dDp.Ptr, new byte[dDp.Bytes]);
            PiXCudaLaunch.Backward(module, dX.Ptr, dP.Ptr, dG.Ptr, 0, dDp.Ptr, n, co, hw, es);
            driver.Synchronize(s.Layer, src.Prefix + "_bwd");
            Cmp("bwd dp only", Get(dDp, s.DType), dp, dpm, tolR);
        });
        Try("ctx", () => {
            PiXCudaLaunch.Context(module, dX.Ptr, dZ.Ptr, n, c, hw, es);
            driver.Synchronize(s.Layer, src.Prefix + "_ctx");
            Cmp("ctx", Get(dZ, CudaDType.Float32), zRef, zMag, PiXReference.Tolerance(CudaDType.Float32, true));
        });
        Try("gate", () => {
            dZ.Upload(PiXReference.ToBytes(z32, CudaDType.Float32));
            PiXCudaLaunch.Gate(module, dZ.Ptr, dW.Ptr, b is null ? 0 : dB.Ptr, dP.Ptr, n);
            driver.Synchronize(s.Layer, src.Prefix + "_gate");
            var (pg, pgm) = PiXReference.Gate(z32, w, b, n, c, co);
            Cmp("gate", Get(dP, s.DType), pg, pgm, tolR);
        });
        return results;
    }

    private static void Dump(string dir, params DeviceBuffer[] buffers)
    {
        Directory.CreateDirectory(dir);
        foreach (var (buf, name) in buffers.Zip(buffers.Length == 4 ? new[] { "x", "p", "g", "y" } : new[] { "dx", "dp" }))
            File.WriteAllBytes(Path.Combine(dir, name + ".f32"), buf.Download());
    }

    /// <summary>Bytes read + written per second by cuMemcpyDtoD of 512 MiB, best of 20.</summary>
    private static double MeasureCopyBandwidth(CudaDriver driver)
    {
        const long bytes = 512L << 20;
        using var a = new DeviceBuffer(driver, bytes);
        using var b = new DeviceBuffer(driver, bytes);
        double ms = TimeBest(driver, 20, () => driver.CopyOnDevice(b.Ptr, a.Ptr, bytes));
        return 2.0 * bytes / (ms / 1e3);
    }

    /// <summary>Median per-launch time over 9 batches of 20 launches after 10 warm-up launches.</summary>
    private static double TimeBest(CudaDriver driver, int perBatch, Action launch)
    {
        for (int i = 0; i < 10; i++) launch();
        driver.Synchronize();
        var start = driver.CreateEvent();
        var end = driver.CreateEvent();
        try {
            var samples = new List<double>();
            for (int r = 0; r < 9; r++) {
                driver.Record(start);
                for (int i = 0; i < perBatch; i++) launch();
                driver.Record(end);
                samples.Add(driver.Elapsed(start, end) / perBatch);
            }
            samples.Sort();
            return samples[samples.Count / 2];
        } finally {
            driver.DestroyEvent(start);
            driver.DestroyEvent(end);
        }
    }

    /// <summary>Forward, backward, inference and the gate at N=64, 256→64, 56×56 against the bandwidth floor.</summary>
    private static IEnumerable<Timing> TimeGuideShape(CudaDriver driver, CudaDType dtype, double bandwidth)
    {
        var spec = new CudaKernelSpec("timing.l1", 256, 4, 0.5, CudaPiXMode.PickOrMix, CudaPiXContext.Mean, dtype,
                                      new CudaEpilogue(true, CudaActivation.ReLU));
        var src = CudaKernelEmitter.Emit(spec);
        var m = CudaKernelModule.Get(0, spec.Layer, src.Prefix, src.Source);
        const int n = 64, c = 256, co = 64;
        const long hw = 56 * 56;
        int es = PiXReference.Size(dtype);
        string dt = CudaKernelEmitter.DTypeSuffix(dtype);
        var rng = new Random(7);
        using var x = new DeviceBuffer(driver, n * c * hw * es);
        using var p = new DeviceBuffer(driver, n * co * es);
        using var g = new DeviceBuffer(driver, n * co * hw * es);
        using var y = new DeviceBuffer(driver, n * co * hw * es);
        using var dx = new DeviceBuffer(driver, n * c * hw * es);
        using var dp = new DeviceBuffer(driver, n * co * es);
        using var w = new DeviceBuffer(driver, co * c * es);
        using var z = new DeviceBuffer(driver, n * c * 4);
        using var scale = new DeviceBuffer(driver, co * 4);
        using var shift = new DeviceBuffer(driver, co * 4);
        double[] Rand(long count, double lo, double hi) => Enumerable.Range(0, (int)count).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();
        x.Upload(PiXReference.ToBytes(Rand(n * c * hw, -2, 2), dtype));
        p.Upload(PiXReference.ToBytes(Rand(n * co, 0.02, 0.98), dtype));   // about half pick, half mix
        g.Upload(PiXReference.ToBytes(Rand(n * co * hw, -1, 1), dtype));
        w.Upload(PiXReference.ToBytes(Rand(co * c, -0.1, 0.1), dtype));
        scale.Upload(PiXReference.ToBytes(Rand(co, 0.5, 1.5), CudaDType.Float32));
        shift.Upload(PiXReference.ToBytes(Rand(co, -0.5, 0.5), CudaDType.Float32));

        double xBytes = (double)n * c * hw * es, yBytes = (double)n * co * hw * es;
        Timing T(string kernel, double bytes, double? target, Action launch)
        {
            double ms = TimeBest(driver, 20, launch);
            double floor = bytes / bandwidth * 1e3;
            return new Timing(dt, kernel, ms, floor, ms / floor, target);
        }
        yield return T("forward", xBytes + yBytes, 1.25, () => PiXCudaLaunch.Forward(m, x.Ptr, p.Ptr, y.Ptr, n, co, hw, es));
        yield return T("backward (dX, dp)", 2 * xBytes + yBytes, 1.5, () => PiXCudaLaunch.Backward(m, x.Ptr, p.Ptr, g.Ptr, dx.Ptr, dp.Ptr, n, co, hw, es));
        yield return T("inference (BN + ReLU)", xBytes + yBytes, 1.25,
            () => PiXCudaLaunch.Inference(m, x.Ptr, p.Ptr, y.Ptr, true, scale.Ptr, shift.Ptr, n, co, hw, es));
        yield return T("context + gate", xBytes, null, () => {
            PiXCudaLaunch.Context(m, x.Ptr, z.Ptr, n, c, hw, es);
            PiXCudaLaunch.Gate(m, z.Ptr, w.Ptr, 0, p.Ptr, n);
        });
    }
}
