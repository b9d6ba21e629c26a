// Beast and Asio compiled once for the whole program (BOOST_*_SEPARATE_COMPILATION).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>  // for outbound_client's TLS
#include <boost/beast/src.hpp>
