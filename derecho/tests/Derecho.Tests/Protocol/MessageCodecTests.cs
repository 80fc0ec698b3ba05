using CsCheck;
using Derecho.Membership;
using Derecho.Protocol;
using Derecho.Sst;

namespace Derecho.Tests.Protocol;

public sealed class MessageCodecTests
{
    private static readonly Gen<ViewMember> GenMember =
        Gen.Select(Gen.UInt, Gen.ULong, Gen.String[0, 20], (id, incarnation, endpoint) => new ViewMember(id, incarnation, endpoint));

    private static readonly Gen<ViewProposal> GenProposal =
        Gen.Select(Gen.Int[1, int.MaxValue - 1], GenMember.Array[1, 6], Gen.UInt.Array[0, 4], Gen.UInt.Array[0, 4], Gen.Long[0, long.MaxValue].Array[0, 6].Array[1, 4])
            .Where(t => t.Item2.DistinctBy(m => m.NodeId).Count() == t.Item2.Length)
            .Select(t => new ViewProposal(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5));

    private static readonly Gen<SstRow> GenRow =
        Gen.Select(Gen.UInt, Gen.ULong, Gen.Int[0, 1000], Gen.Bool.Array[0, 12], Gen.Bool, Gen.Long[0, 1 << 40])
            .SelectMany(t => Gen.Long[0, long.MaxValue].Array[0, t.Item4.Length].Array[1, 4].Select(received => (t, received)))
            .Select(x =>
            {
                var ((id, incarnation, viewId, suspected, wedged, counter), received) = x;
                var row = new SstRow(id, incarnation, viewId, 0)
                {
                    Version = counter,
                    Heartbeat = counter / 3,
                    Wedged = wedged,
                    Leaving = !wedged && counter % 2 == 0,
                };
                row.SetColumns(received, [.. received.Select(r => counter / 5)], [.. received.Select(r => counter / 7)], suspected);
                if (suspected.Length > 0 && counter % 3 == 0)
                {
                    row.AcceptedBallot = (int)(counter % suspected.Length);
                    row.AcceptedProposal = new ViewProposal(viewId + 1, [new ViewMember(id, incarnation, "e")], [], [id], [.. received]);
                }
                return row;
            });

    private static readonly Gen<ProtocolMessage> GenMessage = Gen.OneOf<ProtocolMessage>(
        GenRow.Select(r => (ProtocolMessage)new RowMessage(r)),
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 100], Gen.Long[0, long.MaxValue / 2], Gen.Byte.Array[0, 30].Array[0, 8], Gen.Bool.Array[8],
            (v, r, f, payloads, nulls) => (ProtocolMessage)new DataBatch(v, r % 3, r, f,
                [.. payloads.Select((p, i) => nulls[i] ? (ReadOnlyMemory<byte>?)null : p)])),
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 100], Gen.Long[0, 1 << 30], Gen.Byte.Array[1, 40], Gen.Int[0, 100],
            (v, r, i, bytes, offset) => (ProtocolMessage)new DataChunk(v, r % 4, r, i, offset + bytes.Length + 3, offset, bytes)),
        GenMember.Select(m => (ProtocolMessage)new JoinRequest(m)),
        Gen.Select(GenMember, Gen.Byte.Array[1, 40], (m, info) => (ProtocolMessage)new JoinRequest(m, info)),
        Gen.Select(Gen.UInt, Gen.String[0, 30], (id, e) => (ProtocolMessage)new JoinRedirect(id, e)),
        GenProposal.Select(p => (ProtocolMessage)new CommitMessage(p)),
        Gen.Select(GenProposal, Gen.Byte.Array[0, 50], (p, s) => (ProtocolMessage)new WelcomeMessage(p, s)));

    [Fact]
    public void Every_message_round_trips_to_the_same_bytes()
    {
        GenMessage.Sample(message =>
        {
            var writer = new WireWriter();
            var bytes = MessageCodec.Encode(message, writer);
            var decoded = MessageCodec.Decode(bytes);
            Assert.Equal(message.GetType(), decoded.GetType());
            Assert.Equal(bytes, MessageCodec.Encode(decoded, writer));
        }, iter: 3000);
    }

    [Fact]
    public void A_row_round_trips_field_by_field()
    {
        var row = new SstRow(7, 3, 12, 3) { Version = 99, Heartbeat = 5, Wedged = true };
        row.Reset(12, 3, [3, 0, 2]);
        row.Wedged = true;
        row.Received[0][0] = 14;
        row.Received[0][2] = 1L << 50;
        row.Received[2][1] = 6;
        row.Delivered[0] = 40;
        row.Persisted[2] = 5;
        row.Suspected[1] = true;
        var decoded = ((RowMessage)MessageCodec.Decode(MessageCodec.Encode(new RowMessage(row), new WireWriter()))).Row;
        Assert.Equal((7u, 3ul, 12, 99L, 5L, true), (decoded.NodeId, decoded.Incarnation, decoded.ViewId, decoded.Version, decoded.Heartbeat, decoded.Wedged));
        Assert.Equal(row.Received, decoded.Received);
        Assert.Equal(row.Delivered, decoded.Delivered);
        Assert.Equal(row.Persisted, decoded.Persisted);
        Assert.Equal(row.Suspected, decoded.Suspected);
        Assert.Equal(-1, decoded.AcceptedBallot);
    }

    [Fact]
    public void Garbage_and_truncations_throw_only_the_format_exception()
    {
        Gen.Byte.Array[0, 200].Sample(bytes => DecodeOrFormatError(bytes), iter: 20000);
        GenMessage.Sample(message =>
        {
            var bytes = MessageCodec.Encode(message, new WireWriter());
            for (var length = 0; length < bytes.Length; length++)
            {
                Assert.Throws<ProtocolFormatException>(() => MessageCodec.Decode(bytes.AsSpan(0, length)));
            }
            var flipped = bytes.ToArray();
            flipped[bytes.Length / 2] ^= 0x5A;
            DecodeOrFormatError(flipped);
        }, iter: 500);
    }

    [Fact]
    public void Oversized_counts_are_rejected_before_allocating()
    {
        var writer = new WireWriter();
        writer.Byte(2);
        writer.UInt(1);
        writer.UInt(0);
        writer.UInt(0);
        writer.UInt(0);
        writer.UInt(int.MaxValue);
        var e = Assert.Throws<ProtocolFormatException>(() => MessageCodec.Decode(writer.ToArray()));
        Assert.Contains("entry count", e.Message, StringComparison.Ordinal);
    }

    private static void DecodeOrFormatError(byte[] bytes)
    {
        try
        {
            MessageCodec.Decode(bytes);
        }
        catch (ProtocolFormatException)
        {
        }
    }
}
