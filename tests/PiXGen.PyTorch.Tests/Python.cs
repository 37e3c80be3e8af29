using System;
using System.Diagnostics;
using System.IO;

namespace PiXGen.PyTorch.Tests;

/// <summary>
/// The Python these tests run: <c>PIXGEN_PYTHON</c>, else /usr/bin/python3, else python3 on PATH, with
/// <c>import torch</c> working. The tests run when <c>PIXGEN_PYTORCH_TESTS=1</c> or <c>PIXGEN_REQUIRE_PYTHON=1</c> (so
/// <c>dotnet test PiXGen.sln</c> does not run them twice); without Python a test skips with the reason, and with
/// <c>PIXGEN_REQUIRE_PYTHON=1</c> (.ci/run) it fails.
/// </summary>
internal static class Python
{
    private static readonly Lazy<(string? Exe, string Why)> found = new(Find);

    /// <summary>The interpreter, after skipping (or failing under PIXGEN_REQUIRE_PYTHON=1) when there is none.</summary>
    public static string Require()
    {
        bool required = Environment.GetEnvironmentVariable("PIXGEN_REQUIRE_PYTHON") == "1";
        Skip.If(!required && Environment.GetEnvironmentVariable("PIXGEN_PYTORCH_TESTS") != "1",
                "the Python-backed tests run in .ci/run's 'PyTorch backend' check; set PIXGEN_PYTORCH_TESTS=1 (or PIXGEN_REQUIRE_PYTHON=1) to run them here.");
        var (exe, why) = found.Value;
        if (exe is not null) return exe;
        if (required)
            throw new InvalidOperationException($"PIXGEN_REQUIRE_PYTHON=1 but {why}");
        Skip.If(true, $"{why} (install python3-torch, or set PIXGEN_PYTHON; .ci/run's 'PyTorch backend' check does and requires it).");
        return null!;
    }

    /// <summary>Runs <c>python script args</c> in <paramref name="workDir"/>; returns stdout; a non-zero exit fails the test with stderr.</summary>
    public static string Run(string script, string args, string workDir, int timeoutSeconds = 600)
    {
        var exe = Require();
        var psi = new ProcessStartInfo(exe, $"\"{Path.Combine(AppContext.BaseDirectory, script)}\" {args}") {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["OMP_NUM_THREADS"] = "1";
        var (code, stdout, stderr) = Exec(psi, timeoutSeconds);
        Assert.True(code == 0, $"{script} {args} exited with {code}:\n{stderr}\n{stdout}");
        return stdout;
    }

    public static (int Code, string Stdout, string Stderr) Exec(ProcessStartInfo psi, int timeoutSeconds)
    {
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(timeoutSeconds * 1000)) { p.Kill(true); throw new TimeoutException($"{psi.FileName} {psi.Arguments} ran past {timeoutSeconds} s"); }
        return (p.ExitCode, output, err.Result);
    }

    private static (string? Exe, string Why) Find()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("PIXGEN_PYTHON"), "/usr/bin/python3", "python3" };
        string why = "no Python 3 with PyTorch was found";
        foreach (var c in candidates) {
            if (string.IsNullOrEmpty(c)) continue;
            try {
                var psi = new ProcessStartInfo(c, "-c \"import torch; print(torch.__version__)\"") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                var (code, stdout, stderr) = Exec(psi, 120);
                if (code == 0) return (c, "");
                why = $"'{c}' cannot import torch ({stderr.Trim().Split('\n')[^1]})";
            } catch (System.ComponentModel.Win32Exception) {
                why = $"'{c}' is not there";
            }
        }
        return (null, why);
    }
}
