using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using PiXGen.Platform;

namespace PiXGen.Tests;

/// <summary>glibc's malloc thresholds (<see cref="NativeHeapDecision"/>): the decision, and its effect in this process.</summary>
public class NativeHeapTests
{
    [Theory]
    [InlineData(null, null, null, true, "mmap and trim thresholds raised to 1024 MiB")]
    [InlineData("1", null, null, true, "mmap and trim thresholds raised to 1024 MiB")]
    [InlineData("0", null, null, false, "PIXGEN_MALLOC=0")]
    [InlineData("yes", null, null, true, "PIXGEN_MALLOC='yes' ignored: it takes 0 or 1")]
    [InlineData(null, "MALLOC_TRIM_THRESHOLD_", null, false, "the process sets MALLOC_TRIM_THRESHOLD_ itself")]
    [InlineData(null, "MALLOC_MMAP_THRESHOLD_", null, false, "the process sets MALLOC_MMAP_THRESHOLD_ itself")]
    [InlineData(null, null, "glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=65536", false, "the process sets glibc.malloc.mmap_threshold itself")]
    [InlineData(null, null, "glibc.malloc.trim_threshold=0", false, "the process sets glibc.malloc.trim_threshold itself")]
    [InlineData(null, null, "glibc.malloc.arena_max=2", true, "mmap and trim thresholds raised")]
    public void The_decision_follows_the_setting_then_the_process_own_malloc_settings(
        string? setting, string? userVariable, string? tunables, bool retains, string reason)
    {
        var environment = new Dictionary<string, string> { };
        if (setting is not null) environment[NativeHeapDecision.SettingVariable] = setting;
        if (userVariable is not null) environment[userVariable] = "4096";
        if (tunables is not null) environment["GLIBC_TUNABLES"] = tunables;
        var calls = new List<(int Parameter, int Value)>();
        var decision = new NativeHeapDecision(name => environment.GetValueOrDefault(name),
            () => (parameter, value) => { calls.Add((parameter, value)); return true; });
        decision.EnsureInitialized();
        decision.EnsureInitialized();

        Assert.Equal(retains, decision.Retains);
        Assert.Contains(reason, decision.Reason);
        var expected = retains
            ? new[] { (NativeHeapDecision.MmapThresholdParameter, 1 << 30), (NativeHeapDecision.TrimThresholdParameter, 1 << 30) }
            : Array.Empty<(int, int)>();
        Assert.Equal(expected, calls); // once, whatever the number of calls
    }

    [Fact]
    public void Without_glibc_or_when_glibc_refuses_nothing_is_claimed()
    {
        var none = new NativeHeapDecision(_ => null, () => null);
        none.EnsureInitialized();
        Assert.False(none.Retains);
        Assert.Equal("the C library is not glibc", none.Reason);

        var refusing = new NativeHeapDecision(_ => null, () => (parameter, _) => parameter != NativeHeapDecision.TrimThresholdParameter);
        refusing.EnsureInitialized();
        Assert.False(refusing.Retains);
        Assert.Equal("glibc refused the trim threshold of 1024 MiB", refusing.Reason);
    }

    /// <summary>glibc's <c>struct mallinfo2</c>: ten size_t fields; <c>hblkhd</c> is the bytes in blocks it mapped one by one.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 Mallinfo2();

    [Fact]
    public unsafe void In_this_process_a_48_MB_block_comes_from_the_heap_instead_of_its_own_mapping()
    {
        using var model = new PiXGen.Zoo.ResNet18(); // every generated constructor applies the platform decisions
        if (NativeHeapDecision.GlibcMallopt() is null) { Assert.False(TorchPlatform.NativeHeapRetained); return; }
        // What the decision makes of this process's environment, with a mallopt that accepts: the process must agree.
        var expected = new NativeHeapDecision(Environment.GetEnvironmentVariable, () => (_, _) => true);
        expected.EnsureInitialized();
        Assert.Equal(expected.Retains, TorchPlatform.NativeHeapRetained);
        if (!expected.Retains) return;

        // glibc's own mmap threshold never exceeds 32 MB, so without the decision a 48 MB block is mapped by itself.
        const int size = 48 << 20;
        nuint before = Mallinfo2().Hblkhd;
        void* block = NativeMemory.Alloc(size);
        try {
            nuint after = Mallinfo2().Hblkhd;
            Assert.True(after < before + size, $"a {size >> 20} MB block was mapped by itself ({before} → {after} bytes in mapped blocks): {TorchPlatform.NativeHeapReason}");
        } finally {
            NativeMemory.Free(block);
        }
    }
}
