using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using TorchSharp;

namespace PiXGen.Platform;

/// <summary>
/// Run-time platform fixes for libtorch, applied once before the first generated module is built.
/// <para>
/// oneDNN (mkldnn), which libtorch-cpu uses for convolutions, sizes its blocking from the CPU cache sizes
/// that cpuinfo reads from <c>/sys/devices/system/cpu/cpu0/cache</c>. Some virtual machines do not expose
/// that directory; libtorch 2.10 then crashes the process with SIGFPE (an integer division by zero) in the
/// backward pass of some convolutions, e.g. a 1×1 stride-2 convolution from 512 to 1024 channels — every
/// ResNet-50 training step. Where the directory is missing, PiXGen disables oneDNN
/// (<c>at::globalContext().setUserEnabledMkldnn(false)</c>, what <c>torch.backends.mkldnn.enabled = False</c>
/// does in Python); libtorch then uses its native convolution kernels. The environment variable
/// <c>PIXGEN_MKLDNN</c> overrides the detection: <c>1</c> keeps oneDNN, <c>0</c> disables it.
/// </para>
/// </summary>
public static class TorchPlatform
{
    private static int _initialized;

    /// <summary>Whether oneDNN was disabled by <see cref="EnsureInitialized"/>.</summary>
    public static bool MkldnnDisabled { get; private set; }

    /// <summary>Why oneDNN was (or was not) disabled, for diagnostics and docs.</summary>
    public static string Reason { get; private set; } = "not initialised";

    /// <summary>Applies the fixes once; cheap to call from every generated constructor.</summary>
    public static void EnsureInitialized()
    {
        if (Volatile.Read(ref _initialized) == 1 || Interlocked.Exchange(ref _initialized, 1) == 1) return;
        bool disable;
        var setting = Environment.GetEnvironmentVariable("PIXGEN_MKLDNN");
        if (setting == "0") { disable = true; Reason = "PIXGEN_MKLDNN=0"; }
        else if (setting == "1") { disable = false; Reason = "PIXGEN_MKLDNN=1"; }
        else if (RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && !Directory.Exists("/sys/devices/system/cpu/cpu0/cache"))
        {
            disable = true;
            Reason = "/sys/devices/system/cpu/cpu0/cache is missing (oneDNN would divide by a zero cache size)";
        }
        else { disable = false; Reason = "CPU cache information is available"; }
        if (disable) MkldnnDisabled = SetMkldnnEnabled(false);
    }

    /// <summary>Sets libtorch's user switch for oneDNN; false when the libtorch build does not export it.</summary>
    public static unsafe bool SetMkldnnEnabled(bool enabled)
    {
        if (Context("_ZN2at7Context20setUserEnabledMkldnnEb") is not { } found) return false;
        ((delegate* unmanaged<IntPtr, byte, void>)found.Member)(found.Context, enabled ? (byte)1 : (byte)0);
        return true;
    }

    /// <summary>libtorch's current oneDNN switch, or null when not exported.</summary>
    public static unsafe bool? MkldnnEnabled()
    {
        if (Context("_ZNK2at7Context17userEnabledMkldnnEv") is not { } found) return null;
        return ((delegate* unmanaged<IntPtr, byte>)found.Member)(found.Context) != 0;
    }

    /// <summary><c>at::globalContext()</c> and the named <c>at::Context</c> member from libtorch_cpu, or null.</summary>
    private static unsafe (IntPtr Context, IntPtr Member)? Context(string member)
    {
        torch.InitializeDeviceType(DeviceType.CPU); // loads the native libraries
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", typeof(torch).Assembly, null, out var lib)
            && !NativeLibrary.TryLoad("torch_cpu", typeof(torch).Assembly, null, out lib)) return null;
        if (!NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var context)
            || !NativeLibrary.TryGetExport(lib, member, out var function)) return null;
        return (((delegate* unmanaged<IntPtr>)context)(), function);
    }
}
