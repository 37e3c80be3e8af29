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
/// that directory, and oneDNN (3.7.1 in libtorch 2.10) then goes wrong in two ways seen on this project's machines:
/// SIGFPE (an integer division by zero) in the backward pass of some convolutions, e.g. a 1×1 stride-2 convolution
/// from 512 to 1024 channels — every ResNet-50 training step; and, on an AVX-512 machine, wrong forward results of
/// its direct 3×3 convolution when the input channels are over 16 and not a multiple of 16 (24 → 8 channels on a
/// 12×12 map: a maximum error of 12 on outputs of size 50). Where the directory is missing, PiXGen disables oneDNN
/// (<c>at::globalContext().setUserEnabledMkldnn(false)</c>, what <c>torch.backends.mkldnn.enabled = False</c>
/// does in Python); libtorch's native kernels are correct but slower. The environment variable <c>PIXGEN_MKLDNN</c>
/// overrides the detection: <c>1</c> keeps oneDNN everywhere, <c>0</c> disables it everywhere, <c>inference</c>
/// keeps it for the inference forwards of generated networks only (<see cref="InferenceScope"/>, entered by every
/// generated network's forward: a forward that records no graph cannot lead to a backward), which avoids the crash
/// but not wrong forward results.
/// </para>
/// <para>
/// Before that, glibc's malloc is told to keep the large blocks libtorch frees (<see cref="NativeHeapDecision"/>,
/// <c>PIXGEN_MALLOC=0</c> leaves its defaults).
/// </para>
/// </summary>
public static class TorchPlatform
{
    private static readonly OneDnnDecision Decision = new(
        () => Environment.GetEnvironmentVariable(OneDnnDecision.SettingVariable),
        () => RuntimeInformation.IsOSPlatform(OSPlatform.Linux) && !Directory.Exists(OneDnnDecision.CacheDirectory),
        SetMkldnnEnabled,
        log: null);

    /// <summary>Whether oneDNN was disabled by <see cref="EnsureInitialized"/> (outside <see cref="InferenceScope"/>).</summary>
    public static bool MkldnnDisabled => Decision.Disabled;

    /// <summary>Whether oneDNN runs only inside the inference forwards of generated networks (<see cref="InferenceScope"/>).</summary>
    public static bool MkldnnForInferenceOnly => Decision.InferenceOnly;

    /// <summary>
    /// Entered first by every generated network's forward. Where oneDNN is kept for inference only
    /// (<c>PIXGEN_MKLDNN=inference</c>), and this forward records no autograd graph (<c>no_grad</c>), oneDNN is on until
    /// the last such forward running in the process returns; otherwise nothing happens. It avoids the backward crash, which
    /// needs a recorded graph; not when another thread runs a backward at the same time (docs/platform.md).
    /// </summary>
    public static OneDnnDecision.InferenceOneDnn InferenceScope() => Decision.EnterInference(torch.is_grad_enabled());

    /// <summary>Why oneDNN was (or was not) disabled, for diagnostics and docs.</summary>
    public static string Reason => Decision.Reason;

    private static readonly NativeHeapDecision Heap = new(Environment.GetEnvironmentVariable, NativeHeapDecision.GlibcMallopt);

    /// <summary>Whether glibc's malloc keeps the large blocks libtorch frees for reuse (<see cref="NativeHeapDecision"/>).</summary>
    public static bool NativeHeapRetained => Heap.Retains;

    /// <summary>Why glibc's malloc thresholds were (or were not) raised.</summary>
    public static string NativeHeapReason => Heap.Reason;

    /// <summary>
    /// Applies the fixes once; cheap to call from every generated constructor. Thread-safe: no caller returns before
    /// the decisions are applied (glibc's malloc thresholds, <see cref="NativeHeapDecision"/>, then oneDNN). Where
    /// PiXGen disables oneDNN, or <c>PIXGEN_MKLDNN</c> decides, one line on stderr says so and why.
    /// </summary>
    public static void EnsureInitialized()
    {
        Heap.EnsureInitialized();
        Decision.EnsureInitialized();
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

/// <summary>
/// The once-only oneDNN decision of <see cref="TorchPlatform"/>, with its inputs passed in (the environment setting,
/// whether CPU cache information is missing, libtorch's switch, the log) so tests can run it on fresh state.
/// </summary>
public sealed class OneDnnDecision
{
    /// <summary>The environment variable that overrides the decision: 0, 1 or inference.</summary>
    public const string SettingVariable = "PIXGEN_MKLDNN";

    /// <summary>Where cpuinfo reads the cache sizes oneDNN needs (Linux).</summary>
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
    internal OneDnnDecision(Func<string?> setting, Func<bool> cacheInfoMissing, Func<bool, bool> setEnabled, TextWriter? log)
    {
        _setting = setting;
        _cacheInfoMissing = cacheInfoMissing;
        _setEnabled = setEnabled;
        _log = log;
    }

    /// <summary>Whether oneDNN was disabled (set only once the decision is applied); also true for inference-only.</summary>
    public bool Disabled { get; private set; }

    /// <summary>Whether oneDNN is kept for the inference forwards of generated networks only (<c>PIXGEN_MKLDNN=inference</c>).</summary>
    public bool InferenceOnly { get; private set; }

    /// <summary>Why oneDNN was (or was not) disabled.</summary>
    public string Reason { get; private set; } = "not initialised";

    private int _inferenceScopes;

    /// <summary>
    /// Where oneDNN is inference-only and <paramref name="gradEnabled"/> is false: turns it on unless another inference
    /// scope already did; the returned scope's Dispose turns it off once the last scope ends. Otherwise does nothing.
    /// </summary>
    public InferenceOneDnn EnterInference(bool gradEnabled)
    {
        if (!InferenceOnly || gradEnabled) return default;
        lock (_gate)
        {
            if (_inferenceScopes++ == 0) _setEnabled(true);
        }
        return new InferenceOneDnn(this);
    }

    /// <summary>Ends an inference scope (<see cref="EnterInference"/>); default: nothing to end.</summary>
    public readonly struct InferenceOneDnn : IDisposable
    {
        private readonly OneDnnDecision? owner;
        internal InferenceOneDnn(OneDnnDecision owner) => this.owner = owner;

        /// <summary>Ends the scope.</summary>
        public void Dispose()
        {
            if (owner is null) return;
            lock (owner._gate)
            {
                if (--owner._inferenceScopes == 0) owner._setEnabled(false);
            }
        }
    }

    /// <summary>Takes and applies the decision once, stating it on the log.</summary>
    public void EnsureInitialized()
    {
        if (_done) return;
        lock (_gate)
        {
            if (_done) return;
            var setting = _setting();
            bool disable, inferenceOnly = false;
            string reason;
            if (setting == "0") { disable = true; reason = SettingVariable + "=0"; }
            else if (setting == "1") { disable = false; reason = SettingVariable + "=1"; }
            else if (setting == "inference") { disable = inferenceOnly = true; reason = SettingVariable + "=inference"; }
            else if (_cacheInfoMissing())
            {
                disable = true;
                reason = CacheDirectory + " is missing (without cache sizes oneDNN's backward can divide by zero and its forward convolutions can be wrong)";
            }
            else { disable = false; reason = "CPU cache information is available"; }
            if (setting is not null && setting is not ("0" or "1" or "inference"))
                reason += $" ({SettingVariable}='{setting}' ignored: it takes 0, 1 or inference)";

            bool disabled = disable && _setEnabled(false);
            string message =
                disable && !disabled ? $"PiXGen: oneDNN could not be disabled (libtorch does not export the switch); reason to disable it: {reason}."
                : disabled && inferenceOnly ? $"PiXGen: oneDNN kept for the inference forwards of generated networks only (no_grad), libtorch's native kernels elsewhere: {reason}. {SettingVariable}=0 disables it everywhere, =1 keeps it everywhere (docs/platform.md)."
                : disabled ? $"PiXGen: oneDNN disabled, convolutions use libtorch's native kernels: {reason}. {SettingVariable}=1 keeps it everywhere, =inference for generated networks' inference forwards (docs/platform.md)."
                : $"PiXGen: oneDNN kept: {reason}."; // stated once either way, so a user can see which kernels run
            Disabled = disabled;
            InferenceOnly = disabled && inferenceOnly;
            Reason = reason;
            (_log ?? Console.Error).WriteLine(message);
            _done = true; // volatile write after the state: a caller that sees it done sees the final state
        }
    }
}
