using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PiXGen.Generators.Definitions;
using PiXGen.Generators.Model;

namespace PiXGen.Generators.Emit;

/// <summary>
/// Emits the fused PiX CUDA kernels of one network (<c>X.Cuda.g.cs</c>): for every distinct PiX layer of the lowered
/// graph (channels, ζ, τ, mode, context) the CUDA C source in float32, float16 and bfloat16 (Emit/CudaKernelEmitter),
/// with the inference epilogue when a BatchNorm (and activation) follows it, registered with PiXGen.Cuda's dispatch by
/// a static constructor of the network, so CUDA tensors take the fused kernels (compiled by NVRTC at first use).
/// </summary>
public static class CudaWiring
{
    private static readonly CudaDType[] DTypes = { CudaDType.Float32, CudaDType.Float16, CudaDType.BFloat16 };

    /// <summary>The file, or null when the network has no PiX layer.</summary>
    public static string? Emit(ClassDecl network, IReadOnlyList<GraphEmitter.Node> nodes)
    {
        var byKey = new Dictionary<string, CudaKernelSpec>();
        foreach (var n in nodes.Where(n => DefinedKind.PiX.Is(n.Op)))
        {
            string Get(string name) => n.Attributes.First(a => a.Key == name).Value;
            int c = int.Parse(Get("in"), CultureInfo.InvariantCulture), zeta = int.Parse(Get("zeta"), CultureInfo.InvariantCulture);
            double tau = double.Parse(Get("tau"), CultureInfo.InvariantCulture);
            var mode = (CudaPiXMode)int.Parse(Get("mode"), CultureInfo.InvariantCulture);
            var context = (CudaPiXContext)int.Parse(Get("context"), CultureInfo.InvariantCulture);
            var key = string.Join("|", c, zeta, tau.ToString("R", CultureInfo.InvariantCulture), (int)mode, (int)context);
            var epilogue = Epilogue(n, nodes);
            if (byKey.TryGetValue(key, out var existing))
            {
                if (existing.Epilogue != epilogue) byKey[key] = existing with { Epilogue = null }; // layers differ: no shared epilogue
                continue;
            }
            byKey[key] = new CudaKernelSpec(n.Output, c, zeta, tau, mode, context, CudaDType.Float32, epilogue);
        }
        if (byKey.Count == 0) return null;
        var sources = byKey.Values.SelectMany(spec => DTypes.Select(d => CudaKernelEmitter.Emit(spec with { DType = d }))).ToList();
        var className = network.Name + "PiXCudaKernels";
        var text = CudaKernelEmitter.RenderClass(network.Namespace.Length > 0 ? network.Namespace : null, className, sources);
        var w = new IndentedWriter();
        bool hasNs = network.Namespace.Length > 0;
        if (hasNs) w.Open($"namespace {network.Namespace}");
        w.Open($"partial class {network.Name}");
        w.Line($"/// <summary>Registers this network's fused PiX CUDA kernels ({className}) before its first use.</summary>");
        w.Line($"static {network.Name}() => {className}.Register();");
        w.Close();
        if (hasNs) w.Close();
        return text + "\n" + w;
    }

    /// <summary>BatchNorm (and ReLU/ReLU6/SiLU) reading only this PiX output: the inference epilogue, else null.</summary>
    private static CudaEpilogue? Epilogue(GraphEmitter.Node pix, IReadOnlyList<GraphEmitter.Node> nodes)
    {
        var readers = nodes.Where(n => n.Inputs.Contains(pix.Output)).ToList();
        if (readers.Count != 1 || !DefinedKind.BatchNorm2d.Is(readers[0].Op)) return null;
        var after = nodes.Where(n => n.Inputs.Contains(readers[0].Output)).ToList();
        var activation = after.Count == 1 ? after[0].Op switch
        {
            "ReLU" => CudaActivation.ReLU,
            "ReLU6" => CudaActivation.ReLU6,
            "SiLU" => CudaActivation.SiLU,
            _ => CudaActivation.None,
        } : CudaActivation.None;
        return new CudaEpilogue(true, activation);
    }
}
