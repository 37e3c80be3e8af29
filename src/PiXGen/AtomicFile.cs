using System;
using System.IO;
using System.Text;

namespace PiXGen;

/// <summary>
/// Every file PiXGen writes (checkpoints, safetensors, .npy, ONNX models, IDX files, the CLI's run state) goes
/// through here: the content is written to a temporary file beside the target and moved over it only when
/// complete, so a failed write (disk full, file-size limit, an exception while serialising) leaves the old file
/// as it was and never half a new one.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through a temporary file in the same folder, then moves it into place.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        WriteTo(path, temp =>
        {
            using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
            write(stream);
            stream.Flush(flushToDisk: true);
        });
    }

    /// <summary>
    /// The same for a writer that takes a file name (a library's own Save, e.g. TorchSharp's optimiser state or a
    /// ScottPlot PNG): <paramref name="writeFile"/> writes the temporary file it is given, which then replaces
    /// <paramref name="path"/>; on failure the temporary file is deleted and <paramref name="path"/> stays as it was.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static void WriteTo(string path, Action<string> writeFile)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(writeFile);
        string full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } folder && !Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{path}: cannot write the file, the folder {folder} does not exist.");
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            writeFile(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Writes bytes atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes UTF-8 text (no byte-order mark) atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(text)));
}
