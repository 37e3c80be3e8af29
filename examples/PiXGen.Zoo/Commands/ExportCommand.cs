using System.IO;

namespace PiXGen.Zoo;

/// <summary>
/// PLACEHOLDER (issue 11): <c>export &lt;model&gt; [--weights &lt;file&gt;] --onnx &lt;out.onnx&gt; [--fuse]</c>.
/// The CLI parses the command and calls this; the real implementation is written separately and replaces this file.
/// </summary>
public static class ExportCommand
{
    /// <summary>Writes <paramref name="model"/> (with the weights of <paramref name="weightsPath"/>, if given) to <paramref name="onnxPath"/>; returns the exit code.</summary>
    public static int Run(string model, string? weightsPath, string onnxPath, bool fuse, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine("error: export is not available in this build");
        return 1;
    }
}
