package conn

import (
	"github.com/scmhub/ibapi"
	"github.com/scmhub/ibapi/protobuf"
)

// QuietWrapper implements every ibapi.EWrapper method as a no-op. The
// Session's wrapper embeds it and overrides what it routes; unlike
// ibapi.Wrapper it writes nothing to the wire library's global logger.
type QuietWrapper struct{}

var _ ibapi.EWrapper = QuietWrapper{}

func (QuietWrapper) AccountDataEndProtoBuf(_ *protobuf.AccountDataEnd)                            {}
func (QuietWrapper) AccountDownloadEnd(_ string)                                                  {}
func (QuietWrapper) AccountSummary(_ int64, _ string, _ string, _ string, _ string)               {}
func (QuietWrapper) AccountSummaryEnd(_ int64)                                                    {}
func (QuietWrapper) AccountSummaryEndProtoBuf(_ *protobuf.AccountSummaryEnd)                      {}
func (QuietWrapper) AccountSummaryProtoBuf(_ *protobuf.AccountSummary)                            {}
func (QuietWrapper) AccountUpdateMulti(_ int64, _ string, _ string, _ string, _ string, _ string) {}
func (QuietWrapper) AccountUpdateMultiEnd(_ int64)                                                {}
func (QuietWrapper) AccountUpdateMultiEndProtoBuf(_ *protobuf.AccountUpdateMultiEnd)              {}
func (QuietWrapper) AccountUpdateMultiProtoBuf(_ *protobuf.AccountUpdateMulti)                    {}
func (QuietWrapper) BondContractDataProtoBuf(_ *protobuf.ContractData)                            {}
func (QuietWrapper) BondContractDetails(_ int64, _ *ibapi.ContractDetails)                        {}
func (QuietWrapper) CommissionAndFeesReport(_ ibapi.CommissionAndFeesReport)                      {}
func (QuietWrapper) CommissionAndFeesReportProtoBuf(_ *protobuf.CommissionAndFeesReport)          {}
func (QuietWrapper) CompletedOrder(_ *ibapi.Contract, _ *ibapi.Order, _ *ibapi.OrderState)        {}
func (QuietWrapper) CompletedOrderProtoBuf(_ *protobuf.CompletedOrder)                            {}
func (QuietWrapper) CompletedOrdersEnd()                                                          {}
func (QuietWrapper) CompletedOrdersEndProtoBuf(_ *protobuf.CompletedOrdersEnd)                    {}
func (QuietWrapper) ConfigResponseProtoBuf(_ *protobuf.ConfigResponse)                            {}
func (QuietWrapper) ConnectAck()                                                                  {}
func (QuietWrapper) ConnectionClosed()                                                            {}
func (QuietWrapper) ContractDataEndProtoBuf(_ *protobuf.ContractDataEnd)                          {}
func (QuietWrapper) ContractDataProtoBuf(_ *protobuf.ContractData)                                {}
func (QuietWrapper) ContractDetails(_ int64, _ *ibapi.ContractDetails)                            {}
func (QuietWrapper) ContractDetailsEnd(_ int64)                                                   {}
func (QuietWrapper) CurrentTime(_ int64)                                                          {}
func (QuietWrapper) CurrentTimeInMillis(_ int64)                                                  {}
func (QuietWrapper) CurrentTimeInMillisProtoBuf(_ *protobuf.CurrentTimeInMillis)                  {}
func (QuietWrapper) CurrentTimeProtoBuf(_ *protobuf.CurrentTime)                                  {}
func (QuietWrapper) DeltaNeutralValidation(_ int64, _ ibapi.DeltaNeutralContract)                 {}
func (QuietWrapper) DisplayGroupList(_ int64, _ string)                                           {}
func (QuietWrapper) DisplayGroupListProtoBuf(_ *protobuf.DisplayGroupList)                        {}
func (QuietWrapper) DisplayGroupUpdated(_ int64, _ string)                                        {}
func (QuietWrapper) DisplayGroupUpdatedProtoBuf(_ *protobuf.DisplayGroupUpdated)                  {}
func (QuietWrapper) Error(_ int64, _ int64, _ int64, _ string, _ string)                          {}
func (QuietWrapper) ErrorProtoBuf(_ *protobuf.ErrorMessage)                                       {}
func (QuietWrapper) ExecDetails(_ int64, _ *ibapi.Contract, _ *ibapi.Execution)                   {}
func (QuietWrapper) ExecDetailsEnd(_ int64)                                                       {}
func (QuietWrapper) ExecDetailsEndProtoBuf(_ *protobuf.ExecutionDetailsEnd)                       {}
func (QuietWrapper) ExecDetailsProtoBuf(_ *protobuf.ExecutionDetails)                             {}
func (QuietWrapper) FamilyCodes(_ []ibapi.FamilyCode)                                             {}
func (QuietWrapper) FamilyCodesProtoBuf(_ *protobuf.FamilyCodes)                                  {}
func (QuietWrapper) HeadTimestamp(_ int64, _ string)                                              {}
func (QuietWrapper) HeadTimestampProtoBuf(_ *protobuf.HeadTimestamp)                              {}
func (QuietWrapper) HistogramData(_ int64, _ []ibapi.HistogramData)                               {}
func (QuietWrapper) HistogramDataProtoBuf(_ *protobuf.HistogramData)                              {}
func (QuietWrapper) HistoricalData(_ int64, _ *ibapi.Bar)                                         {}
func (QuietWrapper) HistoricalDataEnd(_ int64, _ string, _ string)                                {}
func (QuietWrapper) HistoricalDataEndProtoBuf(_ *protobuf.HistoricalDataEnd)                      {}
func (QuietWrapper) HistoricalDataProtoBuf(_ *protobuf.HistoricalData)                            {}
func (QuietWrapper) HistoricalDataUpdate(_ int64, _ *ibapi.Bar)                                   {}
func (QuietWrapper) HistoricalDataUpdateProtoBuf(_ *protobuf.HistoricalDataUpdate)                {}
func (QuietWrapper) HistoricalNews(_ int64, _ string, _ string, _ string, _ string)               {}
func (QuietWrapper) HistoricalNewsEnd(_ int64, _ bool)                                            {}
func (QuietWrapper) HistoricalNewsEndProtoBuf(_ *protobuf.HistoricalNewsEnd)                      {}
func (QuietWrapper) HistoricalNewsProtoBuf(_ *protobuf.HistoricalNews)                            {}
func (QuietWrapper) HistoricalSchedule(_ int64, _ string, _ string, _ string, _ []ibapi.HistoricalSession) {
}
func (QuietWrapper) HistoricalScheduleProtoBuf(_ *protobuf.HistoricalSchedule)                 {}
func (QuietWrapper) HistoricalTicks(_ int64, _ []ibapi.HistoricalTick, _ bool)                 {}
func (QuietWrapper) HistoricalTicksBidAsk(_ int64, _ []ibapi.HistoricalTickBidAsk, _ bool)     {}
func (QuietWrapper) HistoricalTicksBidAskProtoBuf(_ *protobuf.HistoricalTicksBidAsk)           {}
func (QuietWrapper) HistoricalTicksLast(_ int64, _ []ibapi.HistoricalTickLast, _ bool)         {}
func (QuietWrapper) HistoricalTicksLastProtoBuf(_ *protobuf.HistoricalTicksLast)               {}
func (QuietWrapper) HistoricalTicksProtoBuf(_ *protobuf.HistoricalTicks)                       {}
func (QuietWrapper) ManagedAccounts(_ []string)                                                {}
func (QuietWrapper) ManagedAccountsProtoBuf(_ *protobuf.ManagedAccounts)                       {}
func (QuietWrapper) MarketDataType(_ int64, _ int64)                                           {}
func (QuietWrapper) MarketDataTypeProtoBuf(_ *protobuf.MarketDataType)                         {}
func (QuietWrapper) MarketDepthExchangesProtoBuf(_ *protobuf.MarketDepthExchanges)             {}
func (QuietWrapper) MarketRule(_ int64, _ []ibapi.PriceIncrement)                              {}
func (QuietWrapper) MarketRuleProtoBuf(_ *protobuf.MarketRule)                                 {}
func (QuietWrapper) MktDepthExchanges(_ []ibapi.DepthMktDataDescription)                       {}
func (QuietWrapper) NewsArticle(_ int64, _ int64, _ string)                                    {}
func (QuietWrapper) NewsArticleProtoBuf(_ *protobuf.NewsArticle)                               {}
func (QuietWrapper) NewsProviders(_ []ibapi.NewsProvider)                                      {}
func (QuietWrapper) NewsProvidersProtoBuf(_ *protobuf.NewsProviders)                           {}
func (QuietWrapper) NextValidID(_ int64)                                                       {}
func (QuietWrapper) NextValidIdProtoBuf(_ *protobuf.NextValidId)                               {}
func (QuietWrapper) OpenOrder(_ int64, _ *ibapi.Contract, _ *ibapi.Order, _ *ibapi.OrderState) {}
func (QuietWrapper) OpenOrderEnd()                                                             {}
func (QuietWrapper) OpenOrderProtoBuf(_ *protobuf.OpenOrder)                                   {}
func (QuietWrapper) OpenOrdersEndProtoBuf(_ *protobuf.OpenOrdersEnd)                           {}
func (QuietWrapper) OrderBound(_ int64, _ int64, _ int64)                                      {}
func (QuietWrapper) OrderBoundProtoBuf(_ *protobuf.OrderBound)                                 {}
func (QuietWrapper) OrderStatus(_ int64, _ string, _ ibapi.Decimal, _ ibapi.Decimal, _ float64, _ int64, _ int64, _ float64, _ int64, _ string, _ float64) {
}
func (QuietWrapper) OrderStatusProtoBuf(_ *protobuf.OrderStatus)                                    {}
func (QuietWrapper) PnLProtoBuf(_ *protobuf.PnL)                                                    {}
func (QuietWrapper) PnLSingleProtoBuf(_ *protobuf.PnLSingle)                                        {}
func (QuietWrapper) Pnl(_ int64, _ float64, _ float64, _ float64)                                   {}
func (QuietWrapper) PnlSingle(_ int64, _ ibapi.Decimal, _ float64, _ float64, _ float64, _ float64) {}
func (QuietWrapper) Position(_ string, _ *ibapi.Contract, _ ibapi.Decimal, _ float64)               {}
func (QuietWrapper) PositionEnd()                                                                   {}
func (QuietWrapper) PositionEndProtoBuf(_ *protobuf.PositionEnd)                                    {}
func (QuietWrapper) PositionMulti(_ int64, _ string, _ string, _ *ibapi.Contract, _ ibapi.Decimal, _ float64) {
}
func (QuietWrapper) PositionMultiEnd(_ int64)                              {}
func (QuietWrapper) PositionMultiEndProtoBuf(_ *protobuf.PositionMultiEnd) {}
func (QuietWrapper) PositionMultiProtoBuf(_ *protobuf.PositionMulti)       {}
func (QuietWrapper) PositionProtoBuf(_ *protobuf.Position)                 {}
func (QuietWrapper) RealTimeBarTickProtoBuf(_ *protobuf.RealTimeBarTick)   {}
func (QuietWrapper) RealtimeBar(_ int64, _ int64, _ float64, _ float64, _ float64, _ float64, _ ibapi.Decimal, _ ibapi.Decimal, _ int64) {
}
func (QuietWrapper) ReceiveFA(_ ibapi.FaDataType, _ string)                                  {}
func (QuietWrapper) ReceiveFAProtoBuf(_ *protobuf.ReceiveFA)                                 {}
func (QuietWrapper) ReplaceFAEnd(_ int64, _ string)                                          {}
func (QuietWrapper) ReplaceFAEndProtoBuf(_ *protobuf.ReplaceFAEnd)                           {}
func (QuietWrapper) RerouteMarketDataRequestProtoBuf(_ *protobuf.RerouteMarketDataRequest)   {}
func (QuietWrapper) RerouteMarketDepthRequestProtoBuf(_ *protobuf.RerouteMarketDepthRequest) {}
func (QuietWrapper) RerouteMktDataReq(_ int64, _ int64, _ string)                            {}
func (QuietWrapper) RerouteMktDepthReq(_ int64, _ int64, _ string)                           {}
func (QuietWrapper) ScannerData(_ int64, _ int64, _ *ibapi.ContractDetails, _ string, _ string, _ string, _ string) {
}
func (QuietWrapper) ScannerDataEnd(_ int64)                                          {}
func (QuietWrapper) ScannerDataProtoBuf(_ *protobuf.ScannerData)                     {}
func (QuietWrapper) ScannerParameters(_ string)                                      {}
func (QuietWrapper) ScannerParametersProtoBuf(_ *protobuf.ScannerParameters)         {}
func (QuietWrapper) SecDefOptParameterEndProtoBuf(_ *protobuf.SecDefOptParameterEnd) {}
func (QuietWrapper) SecDefOptParameterProtoBuf(_ *protobuf.SecDefOptParameter)       {}
func (QuietWrapper) SecurityDefinitionOptionParameter(_ int64, _ string, _ int64, _ string, _ string, _ []string, _ []float64) {
}
func (QuietWrapper) SecurityDefinitionOptionParameterEnd(_ int64)         {}
func (QuietWrapper) SmartComponents(_ int64, _ []ibapi.SmartComponent)    {}
func (QuietWrapper) SmartComponentsProtoBuf(_ *protobuf.SmartComponents)  {}
func (QuietWrapper) SoftDollarTiers(_ int64, _ []ibapi.SoftDollarTier)    {}
func (QuietWrapper) SoftDollarTiersProtoBuf(_ *protobuf.SoftDollarTiers)  {}
func (QuietWrapper) SymbolSamples(_ int64, _ []ibapi.ContractDescription) {}
func (QuietWrapper) SymbolSamplesProtoBuf(_ *protobuf.SymbolSamples)      {}
func (QuietWrapper) TickByTickAllLast(_ int64, _ int64, _ int64, _ float64, _ ibapi.Decimal, _ ibapi.TickAttribLast, _ string, _ string) {
}
func (QuietWrapper) TickByTickBidAsk(_ int64, _ int64, _ float64, _ float64, _ ibapi.Decimal, _ ibapi.Decimal, _ ibapi.TickAttribBidAsk) {
}
func (QuietWrapper) TickByTickDataProtoBuf(_ *protobuf.TickByTickData) {}
func (QuietWrapper) TickByTickMidPoint(_ int64, _ int64, _ float64)    {}
func (QuietWrapper) TickEFP(_ int64, _ int64, _ float64, _ string, _ float64, _ int64, _ string, _ float64, _ float64) {
}
func (QuietWrapper) TickGeneric(_ int64, _ int64, _ float64)                           {}
func (QuietWrapper) TickGenericProtoBuf(_ *protobuf.TickGeneric)                       {}
func (QuietWrapper) TickNews(_ int64, _ int64, _ string, _ string, _ string, _ string) {}
func (QuietWrapper) TickNewsProtoBuf(_ *protobuf.TickNews)                             {}
func (QuietWrapper) TickOptionComputation(_ int64, _ int64, _ int64, _ float64, _ float64, _ float64, _ float64, _ float64, _ float64, _ float64, _ float64) {
}
func (QuietWrapper) TickOptionComputationProtoBuf(_ *protobuf.TickOptionComputation)               {}
func (QuietWrapper) TickPrice(_ int64, _ int64, _ float64, _ ibapi.TickAttrib)                     {}
func (QuietWrapper) TickPriceProtoBuf(_ *protobuf.TickPrice)                                       {}
func (QuietWrapper) TickReqParams(_ int64, _ float64, _ string, _ int64)                           {}
func (QuietWrapper) TickReqParamsProtoBuf(_ *protobuf.TickReqParams)                               {}
func (QuietWrapper) TickSize(_ int64, _ int64, _ ibapi.Decimal)                                    {}
func (QuietWrapper) TickSizeProtoBuf(_ *protobuf.TickSize)                                         {}
func (QuietWrapper) TickSnapshotEnd(_ int64)                                                       {}
func (QuietWrapper) TickSnapshotEndProtoBuf(_ *protobuf.TickSnapshotEnd)                           {}
func (QuietWrapper) TickString(_ int64, _ int64, _ string)                                         {}
func (QuietWrapper) TickStringProtoBuf(_ *protobuf.TickString)                                     {}
func (QuietWrapper) UpdateAccountTime(_ string)                                                    {}
func (QuietWrapper) UpdateAccountTimeProtoBuf(_ *protobuf.AccountUpdateTime)                       {}
func (QuietWrapper) UpdateAccountValue(_ string, _ string, _ string, _ string)                     {}
func (QuietWrapper) UpdateAccountValueProtoBuf(_ *protobuf.AccountValue)                           {}
func (QuietWrapper) UpdateConfigResponseProtoBuf(_ *protobuf.UpdateConfigResponse)                 {}
func (QuietWrapper) UpdateMarketDepthL2ProtoBuf(_ *protobuf.MarketDepthL2)                         {}
func (QuietWrapper) UpdateMarketDepthProtoBuf(_ *protobuf.MarketDepth)                             {}
func (QuietWrapper) UpdateMktDepth(_ int64, _ int64, _ int64, _ int64, _ float64, _ ibapi.Decimal) {}
func (QuietWrapper) UpdateMktDepthL2(_ int64, _ int64, _ string, _ int64, _ int64, _ float64, _ ibapi.Decimal, _ bool) {
}
func (QuietWrapper) UpdateNewsBulletin(_ int64, _ int64, _ string, _ string) {}
func (QuietWrapper) UpdateNewsBulletinProtoBuf(_ *protobuf.NewsBulletin)     {}
func (QuietWrapper) UpdatePortfolio(_ *ibapi.Contract, _ ibapi.Decimal, _ float64, _ float64, _ float64, _ float64, _ float64, _ string) {
}
func (QuietWrapper) UpdatePortfolioProtoBuf(_ *protobuf.PortfolioValue)    {}
func (QuietWrapper) UserInfo(_ int64, _ string)                            {}
func (QuietWrapper) UserInfoProtoBuf(_ *protobuf.UserInfo)                 {}
func (QuietWrapper) VerifyAndAuthCompleted(_ bool, _ string)               {}
func (QuietWrapper) VerifyAndAuthMessageAPI(_ string, _ string)            {}
func (QuietWrapper) VerifyCompleted(_ bool, _ string)                      {}
func (QuietWrapper) VerifyCompletedProtoBuf(_ *protobuf.VerifyCompleted)   {}
func (QuietWrapper) VerifyMessageAPI(_ string)                             {}
func (QuietWrapper) VerifyMessageApiProtoBuf(_ *protobuf.VerifyMessageApi) {}
func (QuietWrapper) WinError(_ string, _ int64)                            {}
func (QuietWrapper) WshEventData(_ int64, _ string)                        {}
func (QuietWrapper) WshEventDataProtoBuf(_ *protobuf.WshEventData)         {}
func (QuietWrapper) WshMetaData(_ int64, _ string)                         {}
func (QuietWrapper) WshMetaDataProtoBuf(_ *protobuf.WshMetaData)           {}
