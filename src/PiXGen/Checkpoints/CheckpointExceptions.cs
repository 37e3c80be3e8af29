using System;

namespace PiXGen.Checkpoints;

/// <summary>
/// A file could not be read as a checkpoint (or written as one): it is truncated, is not in the format its
/// extension names, or holds something other than a state_dict. The message names the file and the problem.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public CheckpointFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>The file.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it (the message without the file name).</summary>
    public string Problem { get; }
}

/// <summary>
/// A checkpoint does not fit the module: keys missing from the file, keys the module does not have, or tensors
/// whose shape (or kind of dtype) differs. Thrown before anything is copied, so the module is unchanged.
/// </summary>
public sealed class CheckpointMismatchException : Exception
{
    /// <summary>Creates the exception from the report of the failed load.</summary>
    public CheckpointMismatchException(string message, LoadReport report) : base(message)
    {
        Report = report;
    }

    /// <summary>Everything that did not fit, in full (the message may abridge long lists).</summary>
    public LoadReport Report { get; }
}
