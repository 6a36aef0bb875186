package wire

// Server versions that change the order messages (the TWS API's
// MIN_SERVER_VER_* values).
const (
	svPeggedToBenchmark    = 102 // order conditions, adjusted stops, PEG BENCH
	svModelsSupport        = 103 // modelCode
	svExtOperator          = 105 // extOperator in placeOrder
	svSoftDollarTier       = 106 // soft dollar tier
	svCashQty              = 111 // cashQty
	svMarketCapPrice       = 131 // orderStatus: mktCapPrice, no version field
	svLastLiquidity        = 136 // execDetails: lastLiquidity, no version field
	svDecisionMaker        = 138 // MiFID II decision maker
	svMifidExecution       = 139 // MiFID II execution trader
	svAutoPriceForHedge    = 141 // dontUseAutoPriceForHedge
	svWhatIfExtFields      = 142 // openOrder: margin before/change
	svOrderContainer       = 145 // isOmsContainer; no VERSION field in placeOrder/openOrder
	svDPegOrders           = 148 // discretionaryUpToLimitPrice
	svPriceMgmtAlgo        = 151 // usePriceMgmtAlgo
	svDuration             = 158 // duration
	svPostToAts            = 160 // postToAts
	svAutoCancelParent     = 162 // autoCancelParent
	svAdvancedOrderReject  = 166 // advancedErrorOverride
	svManualOrderTime      = 169 // manualOrderTime
	svPegBestPegMidOffsets = 170 // PEG BEST / PEG MID attributes
	svFAProfileDesupport   = 177 // faProfile no longer sent
	svPendingPriceRevision = 178 // execDetails: pendingPriceRevision
	svCustomerAccount      = 183 // customerAccount
	svProfessionalCustomer = 184 // professionalCustomer
	svBondAccruedInterest  = 185 // openOrder: bondAccruedInterest
	svRFQFields            = 187 // two placeholder fields in placeOrder ...
	svUndoRFQFields        = 190 // ... until here
	svIncludeOvernight     = 189 // includeOvernight
	SvCMETaggingFields     = 192 // placeOrder: manualOrderIndicator
	svCMETaggingOpenOrder  = 193 // openOrder: extOperator, manualOrderIndicator
	svFullOrderPreview     = 195 // openOrder: outside-RTH margins, allocations
	svSubmitter            = 198 // submitter
	svImbalanceOnly        = 199 // placeOrder/openOrder: imbalanceOnly
)

// Message versions sent where the layout still carries a version field.
const (
	openOrderMsgVersion   = 34 // openOrder below svOrderContainer
	orderStatusMsgVersion = 6  // orderStatus below svMarketCapPrice
	execDetailsMsgVersion = 10 // execDetails below svLastLiquidity
)

// maxDoubleText is how TWS writes an unset double (Java's Double.MAX_VALUE)
// where a client reads the field without "show unset" handling.
const maxDoubleText = "1.7976931348623157E308"

// Version thresholds of the contract details layouts (server_versions).
const (
	VerContractDataChain = 40  // reqId in reqContractDetails
	VerSecIDType         = 45  // secIdType, secId
	VerTradingClass      = 68  // tradingClass
	VerLinking           = 70  // exchange may carry ":primaryExchange"
	VerPrimaryExch       = 75  // separate primaryExchange
	verMDSizeMultiplier  = 110 // mdSizeMultiplier in contractData (until 163)
	verAggGroup          = 121
	verUnderlyingInfo    = 122
	verMarketRules       = 126
	verRealExpiration    = 134
	verStockType         = 152
	verFractionalSize    = 163 // sizeMinTick (163 only)
	verSizeRules         = 164 // minSize, sizeIncrement, suggestedSizeIncrement; no version field
	VerBondIssuerID      = 176 // issuerId in reqContractDetails
	verLastTradeDate     = 182 // separate lastTradeDate
	verIneligibility     = 186 // ineligibility reasons
)

// contractDataVersion is the version field of contractData below 164.
const contractDataVersion = 8

// Protocol versions that change historical data messages.
const (
	MinVerSyntRealtimeBars = 124 // no version field; keepUpToDate; no hasGaps in bars
	MinVerBarDateTimeZone  = 166 // bar times "yyyymmdd hh:mm:ss US/Eastern" (before: two spaces, no zone)
	MinVerHMDSInShares     = 175 // stock bar volumes in shares (before: lots of 100)
	MinVerHistoricalEnd    = 196 // start and end move from message 17 to historicalDataEnd (108)
)

// Server versions that change the market data layouts.
const (
	MinVerLinking          = 70  // mktDataOptions in reqMktData
	MinVerTickReqParams    = 114 // tickReqParams and regulatorySnapshot (REQ_SMART_COMPONENTS)
	MinVerPreOpenBidAsk    = 132 // preOpen attribute bit
	MinVerPriceBasedVol    = 156 // tickOptionComputation: tickAttrib, no version field
	MinVerMarketDataShares = 159 // stock sizes in shares instead of lots
)

// The protobuf gates (MIN_SERVER_VER_PROTOBUF_*): from each version on, the
// TWS API client sends the requests of one family as protobuf messages and
// a Gateway answers them with protobuf messages.
const (
	VerProtobuf        = 201 // 4-byte binary message ids; reqExecutions and execDetails
	VerProtoOrders     = 203 // placeOrder, cancelOrder, reqGlobalCancel; openOrder, orderStatus, errors
	VerProtoCompleted  = 204 // reqOpenOrders, reqAllOpenOrders, reqAutoOpenOrders, reqCompletedOrders
	VerProtoContract   = 205 // reqContractDetails; contractData
	VerProtoMarketData = 206 // reqMktData, reqMarketDataType, market depth; ticks
	VerProtoAccounts   = 207 // accounts and positions
	VerProtoHistorical = 208 // historical data, real-time bars, head timestamp, ticks
)

// protobufIDOffset is added to the message id of a protobuf message.
const protobufIDOffset = 200
