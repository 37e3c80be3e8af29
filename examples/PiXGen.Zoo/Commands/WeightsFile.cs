using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using PiXGen.Checkpoints;
using TorchSharp;

namespace PiXGen.Zoo;

/// <summary>
/// Loading a weights file into a zoo network for the commands that take <c>--weights</c> (predict, export, export
/// --pytorch): one rule for what a failed load prints, so every command names the file and the problem the same way.
/// </summary>
internal static class WeightsFile
{
    /// <summary>
    /// Loads <paramref name="path"/> strictly into <paramref name="network"/> (zoo model <paramref name="model"/>); on
    /// failure writes one <c>error:</c> line naming the file and the problem to <paramref name="stderr"/> and returns null.
    /// </summary>
    public static LoadReport? Load(torch.nn.Module network, string path, string model, TextWriter stderr)
    {
        string? problem;
        try { return Checkpoint.Load(network, path); }
        catch (FileNotFoundException) { problem = $"{path}: no such weights file."; }
        catch (DirectoryNotFoundException) { problem = $"{path}: no such weights file (its folder does not exist)."; }
        catch (CheckpointMismatchException e) { problem = Mismatch(model, e.Report); }
        catch (Exception e) when (e is CheckpointFormatException or IOException or UnauthorizedAccessException) { problem = FirstLine(e.Message); }
        stderr.WriteLine("error: " + problem);
        return null;
    }

    /// <summary>The first line of an exception's message: the commands' errors are one line.</summary>
    internal static string FirstLine(string message)
    {
        int newline = message.IndexOfAny(new[] { '\r', '\n' });
        return newline < 0 ? message : message.Substring(0, newline);
    }

    /// <summary>The mismatch in one line: counts and the first keys of each kind.</summary>
    private static string Mismatch(string model, LoadReport r)
    {
        static string Few(IEnumerable<SkippedKey> keys)
        {
            var list = keys.ToList();
            return string.Join("; ", list.Take(3)) + (list.Count > 3 ? $"; … {list.Count - 3} more" : "");
        }
        var parts = new[]
        {
            (r.Missing.Count(), "missing from the file", Few(r.Missing)),
            (r.Unexpected.Count(), "unexpected", Few(r.Unexpected)),
            (r.Mismatched.Count(), "mismatched", Few(r.Mismatched)),
        }.Where(p => p.Item1 > 0).Select(p => $"{p.Item1} {p.Item2} ({p.Item3})");
        return $"{r.FilePath} is not a checkpoint of {model}: {string.Join(", ", parts)}.";
    }
}
