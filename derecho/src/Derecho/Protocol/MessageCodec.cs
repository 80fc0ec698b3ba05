using Derecho.Membership;
using Derecho.Sst;

namespace Derecho.Protocol;

/// <summary>
/// The compact binary encoding of message bodies: a kind byte, then LEB128 varints (zigzag when signed),
/// length-prefixed byte strings and UTF-8 strings. Decoding checks every length and count against what remains,
/// so garbage yields <see cref="ProtocolFormatException"/> and never a large allocation.
/// </summary>
internal static class MessageCodec
{
    /// <summary>The most members a view may have.</summary>
    public const int MaxMembers = 1024;

    /// <summary>The most multicast streams (the whole view and its shards) a view may have.</summary>
    public const int MaxStreams = 4096;

    public static byte[] Encode(ProtocolMessage message, WireWriter writer)
    {
        writer.Reset();
        switch (message)
        {
            case RowMessage m:
                WriteRow(writer, m.Row);
                break;
            case DataBatch m:
                WriteDataBatch(writer, m, m.Entries.Length);
                break;
            case DataChunk m:
                var header = EncodeChunkHeader(m, writer);
                var body = new byte[header.Length + m.Bytes.Length];
                header.CopyTo(body);
                m.Bytes.Span.CopyTo(body.AsSpan(header.Length));
                return body;
            case JoinRequest m:
                writer.Byte((byte)MessageKind.JoinRequest);
                WriteMember(writer, m.Joiner);
                writer.Bytes(m.Info.Span);
                break;
            case JoinRefused m:
                writer.Byte((byte)MessageKind.JoinRefused);
                writer.String(m.Reason);
                break;
            case JoinRedirect m:
                writer.Byte((byte)(m.Held ? MessageKind.JoinHeld : MessageKind.JoinRedirect));
                writer.UInt(m.LeaderId);
                writer.String(m.LeaderEndpoint);
                writer.UInt((uint)m.Members.Length);
                foreach (var endpoint in m.Members)
                {
                    writer.String(endpoint);
                }
                break;
            case CommitMessage m:
                writer.Byte((byte)MessageKind.Commit);
                WriteProposal(writer, m.Proposal);
                break;
            case WelcomeMessage m:
                writer.Byte((byte)MessageKind.Welcome);
                WriteProposal(writer, m.Proposal);
                writer.Bytes(m.State.Span);
                break;
            default:
                throw new ArgumentException($"unknown message {message.GetType().Name}", nameof(message));
        }
        return writer.ToArray();
    }

    /// <summary>
    /// Encodes <paramref name="batch"/> as a body followed by <paramref name="tail"/>: the last payload, when it is
    /// at least <see cref="GatherThreshold"/> bytes, is left out of the body (only its length is written) and sent
    /// from where it lies behind it, so a large message is not copied to be framed. The two together are exactly
    /// <see cref="Encode"/>'s bytes.
    /// </summary>
    public static byte[] EncodeBatchHead(DataBatch batch, WireWriter writer, out ReadOnlyMemory<byte> tail)
    {
        writer.Reset();
        var entries = batch.Entries;
        tail = entries.Length > 0 && entries[^1] is { Length: >= GatherThreshold } last ? last : default;
        WriteDataBatch(writer, batch, tail.IsEmpty ? entries.Length : entries.Length - 1);
        if (!tail.IsEmpty)
        {
            writer.UInt((ulong)tail.Length + 1);
        }
        return writer.ToArray();
    }

    /// <summary>The payload size from which <see cref="EncodeBatchHead"/> sends a batch's last payload from where it lies.</summary>
    public const int GatherThreshold = 2048;

    /// <summary>A batch's header, entry count and its first <paramref name="written"/> entries.</summary>
    private static void WriteDataBatch(WireWriter writer, DataBatch batch, int written)
    {
        WriteDataHeader(writer, MessageKind.Data, batch.ViewId, batch.Stream, batch.SenderRank, batch.FirstIndex);
        writer.UInt((uint)batch.Entries.Length);
        foreach (var entry in batch.Entries.AsSpan(0, written))
        {
            if (entry is { } payload)
            {
                writer.UInt((ulong)payload.Length + 1);
                writer.Raw(payload.Span);
            }
            else
            {
                writer.UInt(0);
            }
        }
    }

    /// <summary>
    /// The body of <paramref name="chunk"/> up to its bytes: followed by <see cref="DataChunk.Bytes"/> it is the whole
    /// body, so a sender can send the block from where it lies instead of copying it behind its header.
    /// </summary>
    public static byte[] EncodeChunkHeader(DataChunk chunk, WireWriter writer)
    {
        writer.Reset();
        WriteDataHeader(writer, MessageKind.Chunk, chunk.ViewId, chunk.Stream, chunk.SenderRank, chunk.Index);
        writer.UInt((uint)chunk.TotalLength);
        writer.UInt((uint)chunk.Offset);
        writer.UInt((ulong)chunk.Bytes.Length);
        return writer.ToArray();
    }

    /// <summary>Decodes a body. Payloads of data messages are copied: the result does not refer to <paramref name="body"/>.</summary>
    /// <exception cref="ProtocolFormatException">The body is malformed.</exception>
    public static ProtocolMessage Decode(ReadOnlySpan<byte> body) => DecodeShared(body.ToArray());

    /// <summary>
    /// Decodes a body without copying: payloads of data messages are slices of <paramref name="body"/>, which must
    /// not change afterwards.
    /// </summary>
    /// <exception cref="ProtocolFormatException">The body is malformed.</exception>
    public static ProtocolMessage DecodeShared(ReadOnlyMemory<byte> body) => DecodeShared(body, default);

    /// <summary>
    /// Decodes a body received in two parts, <paramref name="body"/> followed by <paramref name="tail"/>, without
    /// copying: only a block of a large message comes so (its bytes read straight into place), and its bytes are
    /// then <paramref name="tail"/>.
    /// </summary>
    /// <exception cref="ProtocolFormatException">The body is malformed, or a message other than a block came in two parts.</exception>
    public static ProtocolMessage DecodeShared(ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> tail)
    {
        var reader = new WireReader(body.Span);
        var kind = (MessageKind)reader.Byte();
        if (!tail.IsEmpty && kind != MessageKind.Chunk)
        {
            throw new ProtocolFormatException($"a message of kind {(byte)kind} came in two parts");
        }
        ProtocolMessage message = kind switch
        {
            MessageKind.Row => new RowMessage(ReadRow(ref reader)),
            MessageKind.Data => ReadBatch(ref reader, body),
            MessageKind.Chunk => ReadChunk(ref reader, body, tail),
            MessageKind.JoinRequest => ReadJoinRequest(ref reader),
            MessageKind.JoinRedirect or MessageKind.JoinHeld => ReadRedirect(ref reader, held: kind == MessageKind.JoinHeld),
            MessageKind.JoinRefused => new JoinRefused(reader.String()),
            MessageKind.Commit => new CommitMessage(ReadProposal(ref reader)),
            MessageKind.Welcome => new WelcomeMessage(ReadProposal(ref reader), Slice(ref reader, body)),
            _ => throw new ProtocolFormatException($"unknown message kind {(byte)kind}"),
        };
        reader.End();
        return message;
    }

    /// <summary>What data batches and chunks start with: kind, view, stream, sender and the (first) message index.</summary>
    private static void WriteDataHeader(WireWriter writer, MessageKind kind, int viewId, int stream, int senderRank, long index)
    {
        writer.Byte((byte)kind);
        writer.UInt((uint)viewId);
        writer.UInt((uint)stream);
        writer.UInt((uint)senderRank);
        writer.UInt((ulong)index);
    }

    private static void WriteRow(WireWriter writer, SstRow row)
    {
        writer.Byte((byte)MessageKind.Row);
        writer.UInt(row.NodeId);
        writer.UInt(row.Incarnation);
        writer.UInt((uint)row.ViewId);
        writer.UInt((ulong)row.Version);
        writer.UInt((ulong)row.Heartbeat);
        writer.Byte((byte)((row.Wedged ? 1 : 0) | (row.Leaving ? 2 : 0)));
        var n = row.Suspected.Length;
        writer.UInt((uint)n);
        for (var i = 0; i < n; i += 8)
        {
            byte bits = 0;
            for (var j = i; j < Math.Min(n, i + 8); j++)
            {
                bits |= (byte)(row.Suspected[j] ? 1 << (j - i) : 0);
            }
            writer.Byte(bits);
        }
        writer.UInt((uint)row.Received.Length);
        for (var s = 0; s < row.Received.Length; s++)
        {
            writer.UInt((uint)row.Received[s].Length);
            foreach (var received in row.Received[s])
            {
                writer.UInt((ulong)received);
            }
            writer.UInt((ulong)row.Delivered[s]);
            writer.UInt((ulong)row.Persisted[s]);
        }
        writer.Int(row.AcceptedBallot);
        if (row.AcceptedProposal is { } proposal)
        {
            WriteProposal(writer, proposal);
        }
    }

    private static SstRow ReadRow(ref WireReader reader)
    {
        var nodeId = ReadNodeId(ref reader);
        var incarnation = reader.UInt();
        var viewId = ReadViewId(ref reader);
        var row = new SstRow(nodeId, incarnation, viewId, 0)
        {
            Version = ReadCounter(ref reader, "row version"),
            Heartbeat = ReadCounter(ref reader, "heartbeat"),
        };
        var flags = reader.Byte();
        if (flags > 3)
        {
            throw new ProtocolFormatException($"unknown row flags {flags}");
        }
        row.Wedged = (flags & 1) != 0;
        row.Leaving = (flags & 2) != 0;
        var n = reader.Count(Math.Min(MaxMembers, reader.Remaining * 8), "member count");
        var suspected = new bool[n];
        for (var i = 0; i < n; i += 8)
        {
            var bits = reader.Byte();
            for (var j = i; j < Math.Min(n, i + 8); j++)
            {
                suspected[j] = (bits & (1 << (j - i))) != 0;
            }
        }
        var streams = reader.Count(Math.Min(MaxStreams, reader.Remaining), "stream count");
        var received = new long[streams][];
        var delivered = new long[streams];
        var persisted = new long[streams];
        for (var s = 0; s < streams; s++)
        {
            received[s] = new long[reader.Count(Math.Min(n, reader.Remaining), "stream width")];
            for (var i = 0; i < received[s].Length; i++)
            {
                received[s][i] = ReadCounter(ref reader, "received count");
            }
            delivered[s] = ReadCounter(ref reader, "delivered count");
            persisted[s] = ReadCounter(ref reader, "persisted count");
        }
        row.SetColumns(received, delivered, persisted, suspected);
        row.AcceptedBallot = (int)reader.Int(-1, n - 1, "accepted ballot");
        if (row.AcceptedBallot >= 0)
        {
            row.AcceptedProposal = ReadProposal(ref reader);
            if (row.AcceptedProposal.Trim.Length != streams || row.AcceptedProposal.NextViewId != viewId + 1)
            {
                throw new ProtocolFormatException("accepted proposal does not match the row's view");
            }
        }
        return row;
    }

    private static void WriteProposal(WireWriter writer, ViewProposal proposal)
    {
        writer.UInt((uint)proposal.NextViewId);
        writer.UInt((uint)proposal.Members.Length);
        foreach (var member in proposal.Members)
        {
            WriteMember(writer, member);
        }
        WriteIds(writer, proposal.Joined);
        WriteIds(writer, proposal.Departed);
        writer.UInt((uint)proposal.Trim.Length);
        foreach (var stream in proposal.Trim)
        {
            writer.UInt((uint)stream.Length);
            foreach (var trim in stream)
            {
                writer.UInt((ulong)trim);
            }
        }
    }

    private static ViewProposal ReadProposal(ref WireReader reader)
    {
        var nextViewId = ReadViewId(ref reader);
        if (nextViewId == 0)
        {
            throw new ProtocolFormatException("a proposal cannot start view 0");
        }
        var count = reader.Count(Math.Min(MaxMembers, reader.Remaining), "member count");
        if (count == 0)
        {
            throw new ProtocolFormatException("a proposal has at least one member");
        }
        var members = new ViewMember[count];
        for (var i = 0; i < count; i++)
        {
            members[i] = ReadMember(ref reader);
            for (var j = 0; j < i; j++)
            {
                if (members[j].NodeId == members[i].NodeId)
                {
                    throw new ProtocolFormatException($"node {members[i].NodeId} appears twice in a view");
                }
            }
        }
        var joined = ReadIds(ref reader);
        var departed = ReadIds(ref reader);
        var streams = reader.Count(Math.Min(MaxStreams, reader.Remaining), "trim stream count");
        var trim = new long[streams][];
        for (var s = 0; s < streams; s++)
        {
            trim[s] = new long[reader.Count(Math.Min(MaxMembers, reader.Remaining), "trim length")];
            for (var i = 0; i < trim[s].Length; i++)
            {
                trim[s][i] = ReadCounter(ref reader, "trim");
            }
        }
        return new ViewProposal(nextViewId, members, joined, departed, trim);
    }

    private static JoinRedirect ReadRedirect(ref WireReader reader, bool held)
    {
        var leaderId = ReadNodeId(ref reader);
        var leaderEndpoint = reader.String();
        var members = new string[reader.Count(Math.Min(MaxMembers, reader.Remaining), "member count")];
        for (var i = 0; i < members.Length; i++)
        {
            members[i] = reader.String();
        }
        return new JoinRedirect(leaderId, leaderEndpoint, held, members);
    }

    private static void WriteMember(WireWriter writer, ViewMember member)
    {
        writer.UInt(member.NodeId);
        writer.UInt(member.Incarnation);
        writer.String(member.Endpoint);
    }

    private static ViewMember ReadMember(ref WireReader reader) =>
        new(ReadNodeId(ref reader), reader.UInt(), reader.String());

    private static void WriteIds(WireWriter writer, uint[] ids)
    {
        writer.UInt((uint)ids.Length);
        foreach (var id in ids)
        {
            writer.UInt(id);
        }
    }

    private static uint[] ReadIds(ref WireReader reader)
    {
        var ids = new uint[reader.Count(Math.Min(MaxMembers, reader.Remaining), "id count")];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = ReadNodeId(ref reader);
        }
        return ids;
    }

    private static DataBatch ReadBatch(ref WireReader reader, ReadOnlyMemory<byte> body)
    {
        var viewId = ReadViewId(ref reader);
        var stream = reader.Count(MaxStreams - 1, "stream");
        var senderRank = reader.Count(MaxMembers - 1, "sender rank");
        var firstIndex = ReadCounter(ref reader, "first index");
        var count = reader.Count(reader.Remaining, "entry count");
        var entries = new ReadOnlyMemory<byte>?[count];
        for (var i = 0; i < count; i++)
        {
            var length = reader.Count(int.MaxValue, "payload length");
            if (length > 0)
            {
                var start = reader.Position;
                reader.Skip(length - 1);
                entries[i] = body.Slice(start, length - 1);
            }
        }
        return new DataBatch(viewId, stream, senderRank, firstIndex, entries);
    }

    private static DataChunk ReadChunk(ref WireReader reader, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> tail)
    {
        var header = ReadChunkHeader(ref reader, out var length);
        ReadOnlyMemory<byte> bytes;
        if (tail.IsEmpty)
        {
            reader.Skip(length);
            bytes = body.Slice(reader.Position - length, length);
        }
        else if (length == tail.Length && reader.Remaining == 0)
        {
            bytes = tail;
        }
        else
        {
            throw new ProtocolFormatException($"a chunk of {length} bytes came with {tail.Length} placed bytes after {reader.Remaining} more");
        }
        return new DataChunk(header.ViewId, header.Stream, header.SenderRank, header.Index, header.TotalLength, header.Offset, bytes)
        {
            Received = body,
            ReceivedTail = tail,
        };
    }

    /// <summary>
    /// Reads the header of a block of a large message from the first bytes <paramref name="head"/> of a body of
    /// <paramref name="bodyLength"/> bytes, for a receiver that reads the block's bytes straight into place: false
    /// when the body is not a well-formed block (it is then decoded the ordinary way, which names the defect).
    /// </summary>
    /// <param name="head">The body's first bytes.</param>
    /// <param name="bodyLength">The whole body's length.</param>
    /// <param name="chunk">The block's header.</param>
    /// <param name="headerLength">Where the block's bytes start in the body.</param>
    public static bool TryReadChunkHeader(ReadOnlySpan<byte> head, int bodyLength, out ChunkHeader chunk, out int headerLength)
    {
        chunk = default;
        headerLength = 0;
        var reader = new WireReader(head);
        try
        {
            if ((MessageKind)reader.Byte() != MessageKind.Chunk)
            {
                return false;
            }
            chunk = ReadChunkHeader(ref reader, out var length);
            headerLength = reader.Position;
            return length == bodyLength - headerLength;
        }
        catch (ProtocolFormatException)
        {
            return false;
        }
    }

    /// <summary>A block's header after its kind byte, up to its bytes, whose count is <paramref name="length"/>.</summary>
    private static ChunkHeader ReadChunkHeader(ref WireReader reader, out int length)
    {
        var viewId = ReadViewId(ref reader);
        var stream = reader.Count(MaxStreams - 1, "stream");
        var senderRank = reader.Count(MaxMembers - 1, "sender rank");
        var index = ReadCounter(ref reader, "message index");
        var total = reader.Count(int.MaxValue, "message length");
        var offset = reader.Count(int.MaxValue, "chunk offset");
        length = reader.Count(int.MaxValue, "chunk length");
        if ((long)offset + length > total || length == 0)
        {
            throw new ProtocolFormatException($"chunk [{offset}, +{length}) outside a message of {total} bytes");
        }
        return new ChunkHeader(viewId, stream, senderRank, index, total, offset);
    }

    /// <summary>A join request with the joiner's information (possibly empty).</summary>
    private static JoinRequest ReadJoinRequest(ref WireReader reader)
    {
        var joiner = ReadMember(ref reader);
        var info = reader.Bytes();
        return info.IsEmpty ? new JoinRequest(joiner) : new JoinRequest(joiner, info.ToArray());
    }

    /// <summary>Reads length-prefixed bytes as a slice of <paramref name="body"/>.</summary>
    private static ReadOnlyMemory<byte> Slice(ref WireReader reader, ReadOnlyMemory<byte> body)
    {
        var length = reader.Bytes().Length;
        return body.Slice(reader.Position - length, length);
    }

    private static uint ReadNodeId(ref WireReader reader)
    {
        var value = reader.UInt();
        return value <= uint.MaxValue ? (uint)value : throw new ProtocolFormatException($"node id {value} out of range");
    }

    private static int ReadViewId(ref WireReader reader) => reader.Count(int.MaxValue - 1, "view id");

    private static long ReadCounter(ref WireReader reader, string what)
    {
        var value = reader.UInt();
        return value <= long.MaxValue ? (long)value : throw new ProtocolFormatException($"{what} {value} out of range");
    }
}
