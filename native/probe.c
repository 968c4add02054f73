/*
 * probe: prints the kernel headers' view of every constant and struct layout
 * that the C# code mirrors, so tests/Ipvs.Netlink.Tests/Kernel proves each
 * C# value against the real headers instead of against a copy of them.
 *
 * Output, one per line:
 *   NAME=VALUE                  integer constants in decimal, string constants verbatim
 *   sizeof:STRUCT=N             sizeof(struct STRUCT)
 *   offsetof:STRUCT.FIELD=N     offsetof(struct STRUCT, FIELD)
 *
 * Every const of a static class under src/Ipvs.Netlink/Kernel must have a line
 * here: adding a constant there without adding it here fails the unit test
 * (KernelConstantsTests); so must the C names of the Ipvs.Core model enums
 * that go to the kernel as they are (KernelEnumTests), and every const of the
 * agent's Interop class (tests/Ipvs.Agent.Tests/Native/InteropTests).
 */
/* CLONE_NEWNET and friends are GNU extensions of <sched.h>. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/ip_vs.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

/* Integer constants print in decimal with their C sign; the test compares exact values. */
#define P(name) printf("%s=%lld\n", #name, (long long)(name))
/*
 * For a C expression whose C type is wider than the field it is applied to,
 * print it as that field's type (the kernel does the same truncation).
 */
#define P_AS(type, name) printf("%s=%lld\n", #name, (long long)(type)(name))
#define S(name) printf("%s=%s\n", #name, name)
#define SIZE(s) printf("sizeof:%s=%zu\n", #s, sizeof(struct s))
#define OFF(s, f) printf("offsetof:%s.%s=%zu\n", #s, #f, offsetof(struct s, f))

/* The C# wire code hard-codes these relations; fail the build, not a run, if a header breaks them. */
_Static_assert(NLMSG_HDRLEN == sizeof(struct nlmsghdr), "nlmsghdr is already 4-aligned");
_Static_assert(GENL_HDRLEN == sizeof(struct genlmsghdr), "genlmsghdr is already 4-aligned");
_Static_assert(NLA_HDRLEN == sizeof(struct nlattr), "nlattr is already 4-aligned");
_Static_assert(NLM_F_DUMP == (NLM_F_ROOT | NLM_F_MATCH), "dump is root|match");

static void netlink_h(void)
{
    P(AF_NETLINK);
    P(SOL_NETLINK);

    P(NETLINK_ROUTE);
    P(NETLINK_GENERIC);

    P(NLM_F_REQUEST);
    P(NLM_F_MULTI);
    P(NLM_F_ACK);
    P(NLM_F_ECHO);
    P(NLM_F_DUMP_INTR);
    P(NLM_F_DUMP_FILTERED);
    P(NLM_F_ROOT);
    P(NLM_F_MATCH);
    P(NLM_F_ATOMIC);
    P(NLM_F_DUMP);
    P(NLM_F_REPLACE);
    P(NLM_F_EXCL);
    P(NLM_F_CREATE);
    P(NLM_F_APPEND);
    P(NLM_F_CAPPED);
    P(NLM_F_ACK_TLVS);

    P(NLMSG_NOOP);
    P(NLMSG_ERROR);
    P(NLMSG_DONE);
    P(NLMSG_OVERRUN);
    P(NLMSG_MIN_TYPE);

    P(NLMSG_ALIGNTO);
    P(NLMSG_HDRLEN);
    P(NLA_ALIGNTO);
    P(NLA_HDRLEN);
    P(NLA_F_NESTED);
    P(NLA_F_NET_BYTEORDER);
    /* An int (~0xc000) in C; it only ever masks the 16-bit nla_type. */
    P_AS(__u16, NLA_TYPE_MASK);

    P(NETLINK_ADD_MEMBERSHIP);
    P(NETLINK_BROADCAST_ERROR);
    P(NETLINK_NO_ENOBUFS);
    P(NETLINK_CAP_ACK);
    P(NETLINK_EXT_ACK);
    P(NETLINK_GET_STRICT_CHK);

    P(NLMSGERR_ATTR_MSG);
    P(NLMSGERR_ATTR_OFFS);
    P(NLMSGERR_ATTR_COOKIE);
    P(NLMSGERR_ATTR_POLICY);
    P(NLMSGERR_ATTR_MISS_TYPE);
    P(NLMSGERR_ATTR_MISS_NEST);
}

static void genetlink_h(void)
{
    P(GENL_HDRLEN);
    P(GENL_NAMSIZ);
    P(GENL_ID_CTRL);

    P(CTRL_CMD_NEWFAMILY);
    P(CTRL_CMD_DELFAMILY);
    P(CTRL_CMD_GETFAMILY);

    P(CTRL_ATTR_FAMILY_ID);
    P(CTRL_ATTR_FAMILY_NAME);
    P(CTRL_ATTR_VERSION);
    P(CTRL_ATTR_HDRSIZE);
    P(CTRL_ATTR_MAXATTR);
    P(CTRL_ATTR_OPS);
    P(CTRL_ATTR_MCAST_GROUPS);

    P(CTRL_ATTR_OP_ID);
    P(CTRL_ATTR_OP_FLAGS);
}

static void ip_vs_h(void)
{
    S(IPVS_GENL_NAME);
    P(IPVS_GENL_VERSION);
    P(IP_VS_VERSION_CODE);

    P(IP_VS_SCHEDNAME_MAXLEN);
    P(IP_VS_PENAME_MAXLEN);
    P(IP_VS_IFNAME_MAXLEN);

    P(IP_VS_SVC_F_PERSISTENT);
    P(IP_VS_SVC_F_HASHED);
    P(IP_VS_SVC_F_ONEPACKET);
    P(IP_VS_SVC_F_SCHED1);
    P(IP_VS_SVC_F_SCHED2);
    P(IP_VS_SVC_F_SCHED3);

    P(IP_VS_STATE_NONE);
    P(IP_VS_STATE_MASTER);
    P(IP_VS_STATE_BACKUP);

    P(IP_VS_CONN_F_FWD_MASK);
    P(IP_VS_CONN_F_MASQ);
    P(IP_VS_CONN_F_LOCALNODE);
    P(IP_VS_CONN_F_TUNNEL);
    P(IP_VS_CONN_F_DROUTE);

    P(IP_VS_CONN_F_TUNNEL_TYPE_IPIP);
    P(IP_VS_CONN_F_TUNNEL_TYPE_GUE);
    P(IP_VS_CONN_F_TUNNEL_TYPE_GRE);

    P(IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM);
    P(IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
    P(IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);

    P(IPVS_CMD_NEW_SERVICE);
    P(IPVS_CMD_SET_SERVICE);
    P(IPVS_CMD_DEL_SERVICE);
    P(IPVS_CMD_GET_SERVICE);
    P(IPVS_CMD_NEW_DEST);
    P(IPVS_CMD_SET_DEST);
    P(IPVS_CMD_DEL_DEST);
    P(IPVS_CMD_GET_DEST);
    P(IPVS_CMD_NEW_DAEMON);
    P(IPVS_CMD_DEL_DAEMON);
    P(IPVS_CMD_GET_DAEMON);
    P(IPVS_CMD_SET_CONFIG);
    P(IPVS_CMD_GET_CONFIG);
    P(IPVS_CMD_SET_INFO);
    P(IPVS_CMD_GET_INFO);
    P(IPVS_CMD_ZERO);
    P(IPVS_CMD_FLUSH);

    P(IPVS_CMD_ATTR_SERVICE);
    P(IPVS_CMD_ATTR_DEST);
    P(IPVS_CMD_ATTR_DAEMON);
    P(IPVS_CMD_ATTR_TIMEOUT_TCP);
    P(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN);
    P(IPVS_CMD_ATTR_TIMEOUT_UDP);

    P(IPVS_SVC_ATTR_AF);
    P(IPVS_SVC_ATTR_PROTOCOL);
    P(IPVS_SVC_ATTR_ADDR);
    P(IPVS_SVC_ATTR_PORT);
    P(IPVS_SVC_ATTR_FWMARK);
    P(IPVS_SVC_ATTR_SCHED_NAME);
    P(IPVS_SVC_ATTR_FLAGS);
    P(IPVS_SVC_ATTR_TIMEOUT);
    P(IPVS_SVC_ATTR_NETMASK);
    P(IPVS_SVC_ATTR_STATS);
    P(IPVS_SVC_ATTR_PE_NAME);
    P(IPVS_SVC_ATTR_STATS64);

    P(IPVS_DEST_ATTR_ADDR);
    P(IPVS_DEST_ATTR_PORT);
    P(IPVS_DEST_ATTR_FWD_METHOD);
    P(IPVS_DEST_ATTR_WEIGHT);
    P(IPVS_DEST_ATTR_U_THRESH);
    P(IPVS_DEST_ATTR_L_THRESH);
    P(IPVS_DEST_ATTR_ACTIVE_CONNS);
    P(IPVS_DEST_ATTR_INACT_CONNS);
    P(IPVS_DEST_ATTR_PERSIST_CONNS);
    P(IPVS_DEST_ATTR_STATS);
    P(IPVS_DEST_ATTR_ADDR_FAMILY);
    P(IPVS_DEST_ATTR_STATS64);
    P(IPVS_DEST_ATTR_TUN_TYPE);
    P(IPVS_DEST_ATTR_TUN_PORT);
    P(IPVS_DEST_ATTR_TUN_FLAGS);

    P(IPVS_DAEMON_ATTR_STATE);
    P(IPVS_DAEMON_ATTR_MCAST_IFN);
    P(IPVS_DAEMON_ATTR_SYNC_ID);
    P(IPVS_DAEMON_ATTR_SYNC_MAXLEN);
    P(IPVS_DAEMON_ATTR_MCAST_GROUP);
    P(IPVS_DAEMON_ATTR_MCAST_GROUP6);
    P(IPVS_DAEMON_ATTR_MCAST_PORT);
    P(IPVS_DAEMON_ATTR_MCAST_TTL);

    P(IPVS_STATS_ATTR_CONNS);
    P(IPVS_STATS_ATTR_INPKTS);
    P(IPVS_STATS_ATTR_OUTPKTS);
    P(IPVS_STATS_ATTR_INBYTES);
    P(IPVS_STATS_ATTR_OUTBYTES);
    P(IPVS_STATS_ATTR_CPS);
    P(IPVS_STATS_ATTR_INPPS);
    P(IPVS_STATS_ATTR_OUTPPS);
    P(IPVS_STATS_ATTR_INBPS);
    P(IPVS_STATS_ATTR_OUTBPS);
    P(IPVS_STATS_ATTR_PAD);

    P(IPVS_INFO_ATTR_VERSION);
    P(IPVS_INFO_ATTR_CONN_TAB_SIZE);
}

static void rtnetlink_h(void)
{
    P(AF_UNSPEC);

    P(RTM_NEWLINK);
    P(RTM_DELLINK);
    P(RTM_GETLINK);
    P(RTM_NEWADDR);
    P(RTM_DELADDR);
    P(RTM_GETADDR);

    P(IFLA_IFNAME);
    P(IFLA_LINKINFO);
    P(IFLA_INFO_KIND);

    P(IFA_ADDRESS);
    P(IFA_LOCAL);
    P(IFA_LABEL);
    P(IFA_FLAGS);

    P(IFA_F_NODAD);
    P(IFA_F_PERMANENT);

    P(RT_SCOPE_UNIVERSE);
    P(RT_SCOPE_HOST);

    P(IFF_UP);
    P(IFNAMSIZ);
}

static void nfnetlink_conntrack_h(void)
{
    P(NETLINK_NETFILTER);

    P(NFNETLINK_V0);
    P(NFNL_SUBSYS_CTNETLINK);

    P(IPCTNL_MSG_CT_GET);
    P(IPCTNL_MSG_CT_DELETE);

    P(CTA_TUPLE_ORIG);
    P(CTA_TUPLE_REPLY);
    P(CTA_ZONE);

    P(CTA_TUPLE_IP);
    P(CTA_TUPLE_PROTO);

    P(CTA_IP_V4_SRC);
    P(CTA_IP_V4_DST);
    P(CTA_IP_V6_SRC);
    P(CTA_IP_V6_DST);

    P(CTA_PROTO_NUM);
    P(CTA_PROTO_SRC_PORT);
    P(CTA_PROTO_DST_PORT);

    printf("NFGENMSG_SIZE=%zu\n", sizeof(struct nfgenmsg));
}

static void socket_h(void)
{
    P(SOCK_RAW);
    P(SOCK_CLOEXEC);

    P(SOL_SOCKET);
    P(SO_SNDBUF);
    P(SO_RCVBUF);
    P(SO_RCVTIMEO);
    P(SO_SNDBUFFORCE);
    P(SO_RCVBUFFORCE);

    P(MSG_PEEK);
    P(MSG_TRUNC);
    P(MSG_WAITFORONE);

    P(O_RDONLY);
    P(O_CLOEXEC);

    P(CLONE_NEWNET);

    P(EPERM);
    P(ENOENT);
    P(ESRCH);
    P(EINTR);
    P(EAGAIN);
    P(ENOMEM);
    P(EBUSY);
    P(EEXIST);
    P(ENODEV);
    P(EINVAL);
    P(EMSGSIZE);
    P(EPROTONOSUPPORT);
    P(EOPNOTSUPP);
    P(ENOBUFS);
    P(ENOPROTOOPT);
    P(EADDRNOTAVAIL);
}

/* The agent's own file and thread calls (src/Ipvs.Agent/Native/Interop.*.cs); O_RDONLY, O_CLOEXEC, EINTR, ENOENT are above. */
static void agent_h(void)
{
    P(O_NOCTTY);
    P(O_NONBLOCK);
    P(EACCES);
    P(EWOULDBLOCK);
    P(AT_EMPTY_PATH);
    P(STATX_TYPE);
    P(S_IFMT);
    P(S_IFSOCK);
    P(S_IFREG);
    P(S_IFBLK);
    P(S_IFDIR);
    P(S_IFCHR);
    P(S_IFIFO);
}

/* Values the Ipvs.Core model enums carry straight to the kernel (IpFamily, IpvsProtocol). */
static void model_enums(void)
{
    P(AF_INET);
    P(AF_INET6);
    P(IPPROTO_TCP);
    P(IPPROTO_UDP);
    P(IPPROTO_SCTP);
}

static void layouts(void)
{
    SIZE(nlmsghdr);
    OFF(nlmsghdr, nlmsg_len);
    OFF(nlmsghdr, nlmsg_type);
    OFF(nlmsghdr, nlmsg_flags);
    OFF(nlmsghdr, nlmsg_seq);
    OFF(nlmsghdr, nlmsg_pid);

    SIZE(genlmsghdr);
    OFF(genlmsghdr, cmd);
    OFF(genlmsghdr, version);
    OFF(genlmsghdr, reserved);

    SIZE(nlattr);
    OFF(nlattr, nla_len);
    OFF(nlattr, nla_type);

    SIZE(nlmsgerr);
    OFF(nlmsgerr, error);
    OFF(nlmsgerr, msg);

    SIZE(sockaddr_nl);
    OFF(sockaddr_nl, nl_family);
    OFF(sockaddr_nl, nl_pad);
    OFF(sockaddr_nl, nl_pid);
    OFF(sockaddr_nl, nl_groups);

    SIZE(ifinfomsg);
    OFF(ifinfomsg, ifi_family);
    OFF(ifinfomsg, __ifi_pad);
    OFF(ifinfomsg, ifi_type);
    OFF(ifinfomsg, ifi_index);
    OFF(ifinfomsg, ifi_flags);
    OFF(ifinfomsg, ifi_change);

    SIZE(ifaddrmsg);
    OFF(ifaddrmsg, ifa_family);
    OFF(ifaddrmsg, ifa_prefixlen);
    OFF(ifaddrmsg, ifa_flags);
    OFF(ifaddrmsg, ifa_scope);
    OFF(ifaddrmsg, ifa_index);

    SIZE(ip_vs_flags);
    OFF(ip_vs_flags, flags);
    OFF(ip_vs_flags, mask);

    SIZE(iovec);
    OFF(iovec, iov_base);
    OFF(iovec, iov_len);

    SIZE(msghdr);
    OFF(msghdr, msg_name);
    OFF(msghdr, msg_namelen);
    OFF(msghdr, msg_iov);
    OFF(msghdr, msg_iovlen);
    OFF(msghdr, msg_control);
    OFF(msghdr, msg_controllen);
    OFF(msghdr, msg_flags);

    SIZE(timeval);
    OFF(timeval, tv_sec);
    OFF(timeval, tv_usec);

    SIZE(statx);
    OFF(statx, stx_mask);
    OFF(statx, stx_mode);
}

int main(void)
{
    netlink_h();
    genetlink_h();
    ip_vs_h();
    rtnetlink_h();
    nfnetlink_conntrack_h();
    socket_h();
    agent_h();
    model_enums();
    layouts();
    return fflush(stdout) == 0 ? 0 : 1;
}
