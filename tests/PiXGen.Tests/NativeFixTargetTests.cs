using System;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace PiXGen.Tests;

/// <summary>
/// Issue 21: the build's native-library fix (src/PiXGen/build/PiXGen.NativeFix.targets) is idempotent and atomic:
/// a library already fixed is not written again, and a fix replaces the file by a rename (a new inode), keeping
/// its timestamp so that the next build's incremental copy leaves it alone.
/// </summary>
public class NativeFixTargetTests
{
    private static string Repo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "PiXGen.sln"))) return d.FullName;
        throw new InvalidOperationException("PiXGen.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {args} failed:\n{output}");
        return output;
    }

    private static string? CachedLibrary()
    {
        string home = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Directory.Exists(Path.Combine(home, "torchsharp"))
            ? Directory.GetFiles(Path.Combine(home, "torchsharp"), "libLibTorchSharp.so", SearchOption.AllDirectories).FirstOrDefault(f => f.Contains("linux-x64"))
            : null;
    }

    /// <summary>A copy of <paramref name="original"/> as libLibTorchSharp.so in <paramref name="folder"/> (created),
    /// last written at <paramref name="stamp"/>; returns its path.</summary>
    private static string Staged(string original, string folder, DateTime stamp)
    {
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, "libLibTorchSharp.so");
        File.Copy(original, path);
        File.SetLastWriteTimeUtc(path, stamp);
        return path;
    }

    /// <summary>Runs the fix target on <paramref name="outDir"/> through a project in <paramref name="dir"/>; returns the log.</summary>
    private static string Fix(string dir, string outDir)
    {
        string proj = Path.Combine(dir, "fix.proj");
        File.WriteAllText(proj, $"<Project><Import Project=\"{Path.Combine(Repo(), "src", "PiXGen", "build", "PiXGen.NativeFix.targets")}\" /></Project>");
        return Run("dotnet", $"msbuild \"{proj}\" -nologo -t:PiXGenFixTorchSharpNative -p:OutDir=\"{outDir}/\" -v:n");
    }

    [Fact]
    public void The_fix_writes_once_by_rename_keeps_the_timestamp_and_then_leaves_the_library_alone()
    {
        if (!OperatingSystem.IsLinux()) return;
        var original = CachedLibrary();
        if (original is null) return;   // no Linux TorchSharp package here

        using var dir = new TempFolder();
        string outDir = Path.Combine(dir.Path, "out");
        var stamp = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        string lib = Staged(original, outDir, stamp);
        string Fix() => NativeFixTargetTests.Fix(dir.Path, outDir);
        string Inode() => Run("stat", $"-c %i \"{lib}\"").Trim();

        string inode0 = Inode();
        var log1 = Fix();
        var after1 = File.ReadAllBytes(lib);
        string inode1 = Inode();
        bool fixedNow = log1.Contains("marked GLIBCXX_3.4.32 weak");
        if (fixedNow)
        {
            Assert.NotEqual(inode0, inode1);                               // replaced by a rename, not rewritten in place
            Assert.NotEqual(File.ReadAllBytes(original), after1);
            Assert.Equal(File.ReadAllBytes(original).Length, after1.Length);
        }
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(lib));               // the incremental copy will skip it
        Assert.Equal(new[] { lib }, Directory.GetFiles(outDir));         // no temporary file left

        var log2 = Fix();
        Assert.DoesNotContain("marked GLIBCXX_3.4.32 weak", log2);
        Assert.Equal(inode1, Inode());                                     // not written again
        Assert.Equal(after1, File.ReadAllBytes(lib));
    }

    /// <summary>
    /// The repository links package files into outputs (CreateSymbolicLinksForCopyLocalIfPossible, Directory.Build.props):
    /// the fix must replace the link by a fixed file stamped like the link's target, and leave the target (the NuGet
    /// cache's file, here a copy standing in for it) byte for byte as it was.
    /// </summary>
    [Fact]
    public void A_symbolic_link_into_the_cache_is_replaced_by_a_fixed_file_and_the_cached_file_is_untouched()
    {
        if (!OperatingSystem.IsLinux()) return;
        var original = CachedLibrary();
        if (original is null) return;   // no Linux TorchSharp package here

        using var dir = new TempFolder();
        string outDir = Path.Combine(dir.Path, "out");
        Directory.CreateDirectory(outDir);
        var stamp = new DateTime(2021, 6, 7, 8, 9, 10, DateTimeKind.Utc);
        string cached = Staged(original, Path.Combine(dir.Path, "cache"), stamp);
        string lib = Path.Combine(outDir, "libLibTorchSharp.so");
        File.CreateSymbolicLink(lib, cached);

        var log = Fix(dir.Path, outDir);
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(cached));   // the cache is never modified
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(cached));
        if (!log.Contains("marked GLIBCXX_3.4.32 weak")) return;             // the system libstdc++ is new enough
        Assert.Null(new FileInfo(lib).LinkTarget);                              // the link became a file of its own
        Assert.NotEqual(File.ReadAllBytes(original), File.ReadAllBytes(lib));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(lib));                     // stamped like the cached file
        Assert.Equal(new[] { lib }, Directory.GetFiles(outDir));
    }
}
