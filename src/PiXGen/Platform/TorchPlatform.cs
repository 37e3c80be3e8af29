using System;
using System.IO;
using System.Runtime.InteropServices;
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
    private static readonly OneDnnDecision Decision = new(
        () => Environment.GetEnvironmentVariable(OneDnnDecision.SettingVariable),
        () => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && !Directory.Exists(OneDnnDecision.CacheDirectory),
        SetMkldnnEnabled,
        log: null);

    /// <summary>Whether oneDNN was disabled by <see cref="EnsureInitialized"/>.</summary>
    public static bool MkldnnDisabled => Decision.Disabled;

    /// <summary>Why oneDNN was (or was not) disabled, for diagnostics and docs.</summary>
    public static string Reason => Decision.Reason;

    /// <summary>
    /// Applies the fixes once; cheap to call from every generated constructor. Thread-safe: no caller returns before
    /// the decision is applied to libtorch. Where PiXGen disables oneDNN, or <c>PIXGEN_MKLDNN</c> decides, one line
    /// on stderr says so and why.
    /// </summary>
    public static void EnsureInitialized() => Decision.EnsureInitialized();

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

/// <summary>
/// The once-only oneDNN decision of <see cref="TorchPlatform"/>, with its inputs passed in (the environment setting,
/// whether CPU cache information is missing, libtorch's switch, the log) so tests can run it on fresh state.
/// </summary>
internal sealed class OneDnnDecision
{
    public const string SettingVariable = "PIXGEN_MKLDNN";
    public const string CacheDirectory = "/sys/devices/system/cpu/cpu0/cache";

    private readonly object _gate = new();
    private readonly Func<string?> _setting;
    private readonly Func<bool> _cacheInfoMissing;
    private readonly Func<bool, bool> _setEnabled;
    private readonly TextWriter? _log;
    private volatile bool _done;

    /// <param name="setting">The value of PIXGEN_MKLDNN, or null.</param>
    /// <param name="cacheInfoMissing">Whether the CPU cache information oneDNN needs is missing.</param>
    /// <param name="setEnabled">Sets libtorch's oneDNN switch; false when it cannot.</param>
    /// <param name="log">Where the decision is stated; null: <see cref="Console.Error"/> at the time of writing.</param>
    public OneDnnDecision(Func<string?> setting, Func<bool> cacheInfoMissing, Func<bool, bool> setEnabled, TextWriter? log)
    {
        _setting = setting;
        _cacheInfoMissing = cacheInfoMissing;
        _setEnabled = setEnabled;
        _log = log;
    }

    /// <summary>Whether oneDNN was disabled (set only once the decision is applied).</summary>
    public bool Disabled { get; private set; }

    public string Reason { get; private set; } = "not initialised";

    public void EnsureInitialized()
    {
        if (_done) return;
        lock (_gate)
        {
            if (_done) return;
            var setting = _setting();
            bool disable;
            string reason;
            if (setting == "0") { disable = true; reason = SettingVariable + "=0"; }
            else if (setting == "1") { disable = false; reason = SettingVariable + "=1"; }
            else if (_cacheInfoMissing())
            {
                disable = true;
                reason = CacheDirectory + " is missing (oneDNN would divide by a zero cache size)";
            }
            else { disable = false; reason = "CPU cache information is available"; }

            bool disabled = disable && _setEnabled(false);
            string message =
                disable && !disabled ? $"PiXGen: oneDNN could not be disabled (libtorch does not export the switch); reason to disable it: {reason}."
                : disabled ? $"PiXGen: oneDNN disabled, convolutions use libtorch's native kernels: {reason}. {SettingVariable}=1 keeps it (docs/platform.md)."
                : $"PiXGen: oneDNN kept: {reason}."; // stated once either way, so a user can see which kernels run
            Disabled = disabled;
            Reason = reason;
            (_log ?? Console.Error).WriteLine(message);
            _done = true; // volatile write after the state: a caller that sees it done sees the final state
        }
    }
}
