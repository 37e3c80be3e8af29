namespace PiXGen.Generators.Diagnostics;

/// <summary>
/// The Diagnostic.Properties keys the generator sets for the code fixes (generators/PiXGen.CodeFixes, which
/// compiles this file too): one place for the names both sides use.
/// </summary>
public static class FixProperties
{
    /// <summary>What the fix does: one of the <c>Kind…</c> values.</summary>
    public const string Kind = "PiXGen.Fix";
    /// <summary>The name or word as written, and the one the fix writes instead (Suggest.Closest).</summary>
    public const string Written = "PiXGen.Written";
    public const string Suggestion = "PiXGen.Suggestion";
    /// <summary>For a word: the attribute setting that holds it (Mode, Activation…); for a [Use] argument: "Args".</summary>
    public const string Setting = "PiXGen.Setting";
    /// <summary>The <see cref="Setting"/> value naming [Use]'s argument list: only "name:" is renamed there.</summary>
    public const string ArgsSetting = "Args";
    /// <summary>The type the field should have, fully qualified (global::TorchSharp.Modules.Conv2d).</summary>
    public const string Type = "PiXGen.Type";
    /// <summary>The projection a residual needs: output channels and stride.</summary>
    public const string Channels = "PiXGen.Channels";
    public const string Stride = "PiXGen.Stride";
    /// <summary>Whether a pool is needed before [Flatten] (the input is larger than 1x1): "true" or "false".</summary>
    public const string Pool = "PiXGen.Pool";

    /// <summary>Replace the identifier <see cref="Written"/> by <see cref="Suggestion"/> in the attribute's strings.</summary>
    public const string KindRenameIdentifier = "RenameIdentifier";
    /// <summary>Replace the string <see cref="Written"/> by <see cref="Suggestion"/> (a word-valued setting or [Init] scheme).</summary>
    public const string KindReplaceWord = "ReplaceWord";
    /// <summary>Add a [Shortcut] projection member (<see cref="Channels"/>, <see cref="Stride"/>).</summary>
    public const string KindAddShortcut = "AddShortcut";
    /// <summary>Insert [AdaptiveAvgPool2d(1)] + [Flatten], or [Flatten], before a Linear.</summary>
    public const string KindFlattenBeforeLinear = "FlattenBeforeLinear";
    /// <summary>Change the field's type to <see cref="Type"/>.</summary>
    public const string KindChangeFieldType = "ChangeFieldType";
}
