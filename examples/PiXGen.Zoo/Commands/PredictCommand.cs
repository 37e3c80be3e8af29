using System.IO;

namespace PiXGen.Zoo;

/// <summary>
/// PLACEHOLDER (issue 11): <c>predict &lt;model&gt; --weights &lt;file&gt; --input &lt;file.npy&gt; [--fuse] [--json]</c>.
/// The CLI parses the command and calls this; the real implementation is written separately and replaces this file.
/// </summary>
public static class PredictCommand
{
    /// <summary>Runs <paramref name="model"/> with the weights of <paramref name="weightsPath"/> on the array in <paramref name="inputNpy"/>; returns the exit code.</summary>
    public static int Run(string model, string weightsPath, string inputNpy, bool fuse, bool json, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine("error: predict is not available in this build");
        return 1;
    }
}
