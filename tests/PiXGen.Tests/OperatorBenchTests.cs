using System;
using System.Diagnostics;
using System.IO;
using PiXGen.Engines;

namespace PiXGen.Tests;

/// <summary>
/// The PiX operator's kernel benches (tools/bench/pix-logits.sh and pix-passes.sh) compile against the operator's
/// current source and run, on small shapes: each checks that every copy of its kernels this machine runs gives the
/// same bits (the logit tiles against one product at a time; the context and selection passes of each block size
/// across instruction sets) and exits with 1 where one does not, so the benches quoted in
/// docs/benchmarks/engines.md stay runnable and the copies stay in agreement.
/// </summary>
public class OperatorBenchTests
{
    [Fact]
    public void The_operator_benches_build_and_every_copy_of_a_kernel_gives_the_same_bits()
    {
        // Where the operator is built (Linux x64 with /usr/bin/g++), its benches must build too.
        if (OnnxRuntimeEngine.NativePiXLibrary is null || !File.Exists("/usr/bin/g++")) return;
        // Shapes with tails: W rows not a multiple of eight long, an odd number of pixels.
        string output = Bash(". tools/bench/operator-bench.sh && operator_bench pix-logits '100 24' '64 16' && operator_bench pix-passes '128 9' '64 13'");
        foreach (var line in new[] { "C   100  Co   24  8 samples  tile44", "C   128  HW     9  block 16", "C    64  HW    13  block  8" })
            Assert.Contains(line, output);
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported) {
            Assert.Contains("cols4  avx2", output);
            Assert.Contains("block  8  avx2", output);
        }
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported) Assert.Contains("block 16  avx512", output);
    }

    private static string Bash(string script)
    {
        var psi = new ProcessStartInfo("bash", new[] { "-euc", script }) {
            WorkingDirectory = DocSnippetTests.RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"the benches failed (exit {p.ExitCode}):\n{stdout}\n{stderr.Result}");
        return stdout;
    }
}
