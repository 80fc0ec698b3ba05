using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace Derecho.Generators;

/// <summary>An immutable array compared by its elements, so the incremental pipeline can cache models.</summary>
internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IEnumerable<T>
    where T : IEquatable<T>
{
    private readonly ImmutableArray<T> _items;

    public EquatableArray(ImmutableArray<T> items) => _items = items;

    public int Count => _items.IsDefault ? 0 : _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(EquatableArray<T> other) => this.SequenceEqual(other);

    public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

    public override int GetHashCode()
    {
        var hash = 17;
        foreach (var item in this)
        {
            hash = (hash * 31) + item.GetHashCode();
        }
        return hash;
    }

    public IEnumerator<T> GetEnumerator() => (_items.IsDefault ? ImmutableArray<T>.Empty : _items).AsEnumerable().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>How a method returns its result.</summary>
internal enum ReturnShape
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>A parameter: its name and fully qualified type.</summary>
internal sealed record ParameterModel(string Name, string Type);

/// <summary>A remotely callable method.</summary>
internal sealed record MethodModel(string Name, uint Id, bool Ordered, bool P2P, ReturnShape Shape, string ResultType, EquatableArray<ParameterModel> Parameters)
{
    /// <summary>The signature the id hashes, e.g. <c>Put(string,byte[])</c>.</summary>
    public string Signature => $"{Name}({string.Join(",", Parameters.Select(p => p.Type))})";
}

/// <summary>A problem found in a [Replicated] class, reported as a diagnostic.</summary>
internal sealed record Problem(string Id, string Message, string FilePath, int Start, int Length, int Line, int Column, int EndLine, int EndColumn);

/// <summary>What the generator needs of one [Replicated] class.</summary>
internal sealed record ReplicatedModel(string? Namespace, string ClassName, string FullName, string Accessibility, EquatableArray<MethodModel> Methods, EquatableArray<Problem> Problems)
{
    /// <summary>FNV-1a over the type's full name and the method's signature: stable across builds and processes.</summary>
    public static uint MethodId(string fullName, string signature)
    {
        var hash = 2166136261u;
        foreach (var c in fullName + "." + signature)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }
        return hash;
    }
}
